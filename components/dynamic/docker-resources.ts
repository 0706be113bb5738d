import * as pulumi from "@pulumi/pulumi";
import type { ContainerSpec } from "../core/container-spec";
import { healthyTimeoutSeconds } from "./container-create-body";
import * as api from "./docker-engine-api";
import { hasStatus } from "./http-request";
import { replaceOnAnyChange } from "./provider-diff";

/**
 * Docker containers, networks and volumes as Pulumi dynamic resources over the Docker Engine API
 * (docker-engine-api.ts). Every input change replaces the resource (deleted first).
 *
 * The provider objects are serialized by Pulumi with everything they reference: they call only
 * plain module-level functions, which load node modules inside the call.
 */

export interface SecretFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
}

/** The resolved inputs of a DockerContainer, as its provider receives them. */
export interface DockerContainerInputs {
  dockerHost: string;
  spec: ContainerSpec;
  network?: string;
  secretFiles?: SecretFile[];
  secretEnv?: Record<string, string>;
}

export interface DockerContainerOutputs extends DockerContainerInputs {
  containerId: string;
  name: string;
  /** Address on `network` (or the default bridge); empty on the host network. */
  ipAddress: string;
  image: string;
}

const CONTAINER_KEYS = ["dockerHost", "spec", "network", "secretFiles", "secretEnv"] as const;

/** The container's address on its network; empty on the host network. */
export function containerIp(c: api.ContainerInspect, network: string | undefined, hostNetwork: boolean): string {
  if (hostNetwork) return "";
  if (network !== undefined) return c.NetworkSettings.Networks?.[network]?.IPAddress ?? "";
  return c.NetworkSettings.IPAddress ?? "";
}

/** create → upload files → start → wait healthy (when asked); removes the container again on any failure. */
export async function createDockerContainer(inputs: DockerContainerInputs): Promise<DockerContainerOutputs> {
  const { dockerHost, spec, network } = inputs;
  const id = await api.createContainer(dockerHost, spec, network, inputs.secretEnv ?? {});
  try {
    const files = [...(spec.files ?? []), ...(inputs.secretFiles ?? []).map((f) => ({ path: f.path, content: f.content }))];
    await api.uploadFiles(dockerHost, id, files);
    await api.startContainer(dockerHost, id);
    const c = spec.waitHealthy && spec.healthcheck ? await api.waitHealthy(dockerHost, id, healthyTimeoutSeconds(spec) * 1000, 250, { test: spec.healthcheck.test, timeoutSeconds: spec.healthcheck.timeoutSeconds }) : await api.inspectContainer(dockerHost, id);
    return { ...inputs, containerId: id, name: spec.name, ipAddress: containerIp(c, network, spec.hostNetwork ?? false), image: spec.image };
  } catch (e) {
    await api.removeContainer(dockerHost, id, true, true).catch(() => undefined);
    throw e;
  }
}

/** Stops with the spec's grace period, then removes; a container already gone is fine. */
export async function deleteDockerContainer(id: string, olds: DockerContainerOutputs): Promise<void> {
  try {
    await api.stopContainer(olds.dockerHost, id, olds.spec.stopGraceSeconds ?? 10);
  } catch (e) {
    if (hasStatus(e, 404)) return;
    throw e;
  }
  await api.removeContainer(olds.dockerHost, id, true, true);
}

const containerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DockerContainerInputs) {
    const outs = await createDockerContainer(inputs);
    return { id: outs.containerId, outs };
  },
  async diff(_id: string, olds: DockerContainerOutputs, news: DockerContainerInputs) {
    return replaceOnAnyChange(CONTAINER_KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  },
  async read(id: string, props: DockerContainerOutputs) {
    try {
      const c = await api.inspectContainer(props.dockerHost, id);
      return { id, props: { ...props, containerId: c.Id, ipAddress: containerIp(c, props.network, props.spec.hostNetwork ?? false) } };
    } catch (e) {
      if (hasStatus(e, 404)) return {};
      throw e;
    }
  },
  async delete(id: string, olds: DockerContainerOutputs) {
    await deleteDockerContainer(id, olds);
  },
};

export interface DockerContainerArgs {
  /** `unix:///var/run/docker.sock` or `tcp://host:port`. */
  dockerHost: pulumi.Input<string>;
  /** The container as plain data (JSON-serializable). */
  spec: pulumi.Input<ContainerSpec>;
  /** User-defined network for a container not on the host network. */
  network?: pulumi.Input<string>;
  /** Files uploaded before start whose content stays secret. */
  secretFiles?: pulumi.Input<pulumi.Input<{ path: pulumi.Input<string>; content: pulumi.Input<string> }>[]>;
  /** Environment variables whose values stay secret (added to `spec.env`). */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class DockerContainer extends pulumi.dynamic.Resource {
  declare public readonly containerId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly ipAddress: pulumi.Output<string>;
  declare public readonly image: pulumi.Output<string>;

  constructor(name: string, args: DockerContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      containerProvider,
      name,
      {
        dockerHost: args.dockerHost,
        spec: args.spec,
        network: args.network,
        // Whole-property secrets: the engine marks the outputs of the same name secret too.
        secretFiles: args.secretFiles === undefined ? undefined : pulumi.secret(args.secretFiles),
        secretEnv: args.secretEnv === undefined ? undefined : pulumi.secret(args.secretEnv),
        containerId: undefined,
        name: undefined,
        ipAddress: undefined,
        image: undefined,
      },
      opts,
      "docker",
      "Container",
    );
  }
}

// ---- networks and volumes ----

/** The inputs of a DockerNetwork or DockerVolume. */
export interface DockerNamedInputs {
  dockerHost: string;
  name: string;
  labels?: Record<string, string>;
}

const NAMED_KEYS = ["dockerHost", "name", "labels"] as const;

const networkProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DockerNamedInputs) {
    const networkId = await api.createNetwork(inputs.dockerHost, inputs.name, inputs.labels ?? {});
    return { id: networkId, outs: { ...inputs, networkId } };
  },
  async diff(_id: string, olds: DockerNamedInputs, news: DockerNamedInputs) {
    return replaceOnAnyChange(NAMED_KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  },
  async read(id: string, props: DockerNamedInputs) {
    try {
      const n = await api.inspectNetwork(props.dockerHost, id);
      return { id, props: { ...props, networkId: n.Id } };
    } catch (e) {
      if (hasStatus(e, 404)) return {};
      throw e;
    }
  },
  async delete(id: string, olds: DockerNamedInputs) {
    await api.removeNetwork(olds.dockerHost, id, true);
  },
};

const volumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DockerNamedInputs) {
    const v = await api.createVolume(inputs.dockerHost, inputs.name, inputs.labels ?? {});
    return { id: v.Name, outs: { ...inputs, mountpoint: v.Mountpoint } };
  },
  async diff(_id: string, olds: DockerNamedInputs, news: DockerNamedInputs) {
    return replaceOnAnyChange(NAMED_KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  },
  async read(id: string, props: DockerNamedInputs) {
    try {
      const v = await api.inspectVolume(props.dockerHost, id);
      return { id, props: { ...props, mountpoint: v.Mountpoint } };
    } catch (e) {
      if (hasStatus(e, 404)) return {};
      throw e;
    }
  },
  async delete(id: string, olds: DockerNamedInputs) {
    await api.removeVolume(olds.dockerHost, id, true);
  },
};

export interface DockerNamedArgs {
  dockerHost: pulumi.Input<string>;
  /** Physical name. */
  name: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A bridge network (attachable); its id is the Docker network id. */
export class DockerNetwork extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly networkId: pulumi.Output<string>;

  constructor(name: string, args: DockerNamedArgs, opts?: pulumi.CustomResourceOptions) {
    super(networkProvider, name, { dockerHost: args.dockerHost, name: args.name, labels: args.labels ?? {}, networkId: undefined }, opts, "docker", "Network");
  }
}

/** A local named volume; its id is the volume name. */
export class DockerVolume extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly mountpoint: pulumi.Output<string>;

  constructor(name: string, args: DockerNamedArgs, opts?: pulumi.CustomResourceOptions) {
    super(volumeProvider, name, { dockerHost: args.dockerHost, name: args.name, labels: args.labels ?? {}, mountpoint: undefined }, opts, "docker", "Volume");
  }
}
