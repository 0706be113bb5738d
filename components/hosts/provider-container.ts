import * as docker from "@pulumi/docker";
import { getVersion } from "@pulumi/docker/utilities";
import * as pulumi from "@pulumi/pulumi";
import { setProperties } from "../core/set-properties";

/**
 * Properties the provider (5.2.0) changes in place, in its state only: its update applies the
 * restart policy and resource limits to the running container, nothing else, and the container
 * keeps, say, its old health check. A change to one of these replaces the container instead.
 */
export const IN_PLACE_BUT_NOT_APPLIED = ["healthcheck", "tmpfs", "cpuPeriod", "cpuQuota"] as const;

/**
 * The Docker provider's container resource (`docker:index/container:Container`), declared with only
 * the properties that are set, plus the outputs this package reads.
 *
 * @pulumi/docker's `Container` class gives each of its 78 properties an `Output` whether it is set
 * or not, and every `Output` costs @pulumi/pulumi some fifteen promises while the registration is
 * pending. The platform sets about fifteen of them; at the paper's scale the unset ones were most of
 * the memory and time of a declaration (docs/scale.md). What the engine and the provider see is
 * the same: the same type token, the same inputs, the same plugin version; a stack declared with
 * either class has the same state. The outputs that are not declared here are in the state and in
 * `pulumi stack export`, but not on this object.
 */
export class PlatformContainer extends pulumi.CustomResource {
  /** The container's name (an input). */
  declare public readonly name: pulumi.Output<string>;
  /** The image it runs (an input). */
  declare public readonly image: pulumi.Output<string>;
  /** Its environment, `KEY=value` (an input; secret when any of it is). */
  declare public readonly envs: pulumi.Output<string[] | undefined>;
  /** Its addresses on the networks it joined (computed by the provider). */
  declare public readonly networkDatas: pulumi.Output<docker.types.output.ContainerNetworkData[]>;

  constructor(name: string, args: docker.ContainerArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      PlatformContainer.type,
      name,
      { ...setProperties(args), networkDatas: undefined },
      pulumi.mergeOptions(
        { version: getVersion(), replaceOnChanges: [...IN_PLACE_BUT_NOT_APPLIED] },
        opts,
      ),
    );
  }

  /** The provider's type token, the same as @pulumi/docker's `Container`. */
  public static readonly type = "docker:index/container:Container";
}
