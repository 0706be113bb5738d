import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  ContainerSpec,
  PlannedContainer,
  SecretName,
  secretPlaceholder,
  secretsIn,
} from "../core/container-spec";
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
  /**
   * The values of the secrets whose placeholders (`secretPlaceholder`) the container's files or
   * environment hold: put in there, and those uploads and variables kept secret. A placeholder
   * without its value here throws, naming the container and the secret.
   */
  secrets?: Partial<Record<SecretName, pulumi.Input<string>>>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Stop the old container before starting its replacement (fixed names and ports). Default true. */
  deleteBeforeReplace?: boolean;
}

/** The containers declared on a failed host, with the options that keep them (`HostInventory.keptOn`). */
const keptContainers = new WeakMap<ContainerResource, pulumi.CustomResourceOptions>();

/**
 * The options that keep `c` as deployed where it is on a failed host, for what waits on it (its
 * readiness and served steps, its guard's retire step): a new object each time; none elsewhere.
 */
export function keptLike(c: ContainerResource): pulumi.CustomResourceOptions {
  const kept = keptContainers.get(c);
  return kept === undefined ? {} : { ...kept };
}

/** Logical name of a volume: the container's logical name and the mount path. */
function volumeKey(name: string, containerPath: string): string {
  return `${name}-${containerPath.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

/** The address of a container on the platform network (its name on the host network). */
export function containerAddress(
  c: ContainerResource,
  containerSpec: ContainerSpec,
): pulumi.Output<string> {
  if (containerSpec.hostNetwork) return pulumi.output(containerSpec.name);
  return c.networkDatas.apply((n) => n?.[0]?.ipAddress ?? containerSpec.name);
}

/**
 * Declares a container and the named volumes it mounts on `hostId`, as children of `parent`,
 * through the host's Docker provider. `name` is the logical name (component name + stable key).
 */
export function declareContainer(
  parent: pulumi.Resource,
  inventory: HostInventory,
  hostId: string,
  name: string,
  containerSpec: ContainerSpec,
  opts: DeclareOptions = {},
): DeclaredContainer {
  const stack = containerSpec.labels?.["platform.stack"] ?? "";
  const named = (containerSpec.volumes ?? []).filter((v) => v.volume !== undefined);
  const resourceOpts = (dependsOn: pulumi.Input<pulumi.Resource>[]) =>
    inventory.placeOn(hostId, parent, {
      dependsOn,
      deleteBeforeReplace: opts.deleteBeforeReplace ?? true,
    });

  const volumes = named.map(
    (v) =>
      new docker.Volume(
        volumeKey(name, v.containerPath),
        { name: v.volume, labels: [{ label: "platform.stack", value: stack }] },
        inventory.onEngineOf(hostId, parent),
      ),
  );
  const { plain, secretFiles, secretEnv } = withSecrets(containerSpec, opts.secrets ?? {});
  const args = toContainerArgs(plain, inventory.engineOn(hostId).network.name, secretFiles);
  if (secretEnv.length > 0) {
    const hidden = pulumi.secret(pulumi.all(secretEnv));
    args.envs = pulumi
      .all([args.envs ?? [], hidden])
      .apply(([open, secret]) => [...(open as string[]), ...secret]);
  }
  const container = new PlatformContainer(
    name,
    args,
    resourceOpts([...volumes, ...(opts.dependsOn ?? [])]),
  );
  const kept = inventory.keptOn(hostId);
  if (kept.ignoreChanges !== undefined) keptContainers.set(container, kept);
  return { container, volumes };
}

/**
 * Declares each planned container on its host as `<prefix><host id>`, every one waiting for
 * `dependsOn`; returns them by host id.
 */
export function declarePlanned(
  parent: pulumi.Resource,
  inventory: HostInventory,
  prefix: string,
  planned: readonly PlannedContainer[],
  dependsOn?: pulumi.Input<pulumi.Resource>[],
  secrets?: DeclareOptions["secrets"],
): Record<string, ContainerResource> {
  return Object.fromEntries(
    planned.map(({ hostId, container }) => [
      hostId,
      declareContainer(parent, inventory, hostId, `${prefix}${hostId}`, container, {
        dependsOn,
        secrets,
      }).container,
    ]),
  );
}

/**
 * `containerSpec` without the files and environment values that hold a secret's placeholder, and those
 * with the secrets' values put in (outputs, to be kept secret).
 */
function withSecrets(
  containerSpec: ContainerSpec,
  secrets: Partial<Record<SecretName, pulumi.Input<string>>>,
) {
  const fill = (text: string): pulumi.Output<string> => {
    const names = secretsIn(text);
    for (const n of names)
      if (secrets[n] === undefined)
        throw new Error(
          `container ${containerSpec.name}: the secret ${n} is required (it goes into its configuration)`,
        );
    return pulumi
      .all(names.map((n) => secrets[n]!))
      .apply((values) =>
        names.reduce((t, n, i) => t.split(secretPlaceholder(n)).join(values[i]), text),
      );
  };
  const files = containerSpec.files ?? [];
  const env = Object.entries(containerSpec.env ?? {});
  const holds = (text: string) => secretsIn(text).length > 0;
  // Most containers hold no secret: they are declared as they are, without a copy.
  if (!files.some((f) => holds(f.content)) && !env.some(([, v]) => holds(v))) {
    return { plain: containerSpec, secretFiles: [], secretEnv: [] };
  }
  return {
    plain: {
      ...containerSpec,
      files: files.filter((f) => !holds(f.content)),
      env: Object.fromEntries(env.filter(([, v]) => !holds(v))),
    },
    secretFiles: files
      .filter((f) => holds(f.content))
      .map((f) => ({ path: f.path, content: fill(f.content) })),
    secretEnv: env
      .filter(([, v]) => holds(v))
      .map(([k, v]) => fill(v).apply((value) => `${k}=${value}`)),
  };
}
