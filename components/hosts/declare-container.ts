import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../core/container-spec";
import { toContainerArgs } from "./container-args";
import { PlatformContainer } from "./provider-container";
import { HostInventory } from "./host-inventory";

/** A container of the platform. */
export type ContainerResource = PlatformContainer;
/** A named volume of the platform. */
export type VolumeResource = docker.Volume;

export interface DeclaredContainer {
  container: ContainerResource;
  volumes: VolumeResource[];
}

export interface DeclareOptions {
  /** Files whose content is secret (Consul gossip key, Grafana password). */
  secretFiles?: { path: string; content: pulumi.Input<string> }[];
  /** Secret environment variables. */
  secretEnv?: Record<string, pulumi.Input<string>>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Stop the old container before starting its replacement (fixed names and ports). Default true. */
  deleteBeforeReplace?: boolean;
}

/** Logical name of a volume: the container's logical name and the mount path. */
function volumeKey(name: string, containerPath: string): string {
  return `${name}-${containerPath.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

/** The address of a container on the platform network (its name on the host network). */
export function containerAddress(c: ContainerResource, spec: ContainerSpec): pulumi.Output<string> {
  if (spec.hostNetwork) return pulumi.output(spec.name);
  return c.networkDatas.apply((n) => n?.[0]?.ipAddress ?? spec.name);
}

/**
 * Declares a container and the named volumes it mounts on `hostId`, as children of `parent`,
 * through the host's Docker provider. `name` is the logical name (component name + stable key).
 */
export function declareContainer(
  parent: pulumi.Resource,
  hosts: HostInventory,
  hostId: string,
  name: string,
  spec: ContainerSpec,
  opts: DeclareOptions = {},
): DeclaredContainer {
  const stack = spec.labels?.["platform.stack"] ?? "";
  const named = (spec.volumes ?? []).filter((v) => v.volume !== undefined);
  const resourceOpts = (dependsOn: pulumi.Input<pulumi.Resource>[]) =>
    hosts.placeOn(hostId, parent, { dependsOn, deleteBeforeReplace: opts.deleteBeforeReplace ?? true });

  const volumes = named.map(
    (v) => new docker.Volume(volumeKey(name, v.containerPath), { name: v.volume, labels: [{ label: "platform.stack", value: stack }] }, hosts.onEngineOf(hostId, parent)),
  );
  const args = toContainerArgs(spec, hosts.engineOn(hostId).network.name, opts.secretFiles);
  if (opts.secretEnv && Object.keys(opts.secretEnv).length > 0) {
    const secret = pulumi.secret(pulumi.all(opts.secretEnv).apply((env) => Object.entries(env).map(([k, v]) => `${k}=${v}`)));
    args.envs = pulumi.all([args.envs ?? [], secret]).apply(([plain, hidden]) => [...(plain as string[]), ...hidden]);
  }
  const container = new PlatformContainer(name, args, resourceOpts([...volumes, ...(opts.dependsOn ?? [])]));
  return { container, volumes };
}
