import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../core/container-spec";
import { toContainerArgs } from "./container-args";
import { HostInventory } from "./host-inventory";

export interface DeclaredContainer {
  container: docker.Container;
  volumes: docker.Volume[];
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

/**
 * Declares a container and the named volumes it mounts on `hostId`, as children of `parent`.
 * `name` is the logical name (component name + stable key); volumes are named after it.
 */
export function declareContainer(
  parent: pulumi.Resource,
  hosts: HostInventory,
  hostId: string,
  name: string,
  spec: ContainerSpec,
  opts: DeclareOptions = {},
): DeclaredContainer {
  const volumes = (spec.volumes ?? [])
    .filter((v) => v.volume !== undefined)
    .map(
      (v) =>
        new docker.Volume(
          `${name}-${v.containerPath.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "")}`,
          { name: v.volume, labels: [{ label: "platform.stack", value: spec.labels?.["platform.stack"] ?? "" }] },
          hosts.placeOn(hostId, parent, { retainOnDelete: false }),
        ),
    );
  const args = toContainerArgs(spec, hosts.networks[hostId]?.name, opts.secretFiles);
  if (opts.secretEnv && Object.keys(opts.secretEnv).length > 0) {
    const secret = pulumi.secret(pulumi.all(opts.secretEnv).apply((env) => Object.entries(env).map(([k, v]) => `${k}=${v}`)));
    args.envs = pulumi.all([args.envs ?? [], secret]).apply(([plain, hidden]) => [...(plain as string[]), ...hidden]);
  }
  const container = new docker.Container(
    name,
    args,
    hosts.placeOn(hostId, parent, {
      dependsOn: [...volumes, ...(opts.dependsOn ?? [])],
      deleteBeforeReplace: opts.deleteBeforeReplace ?? true,
    }),
  );
  return { container, volumes };
}
