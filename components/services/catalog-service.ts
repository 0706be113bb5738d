import * as consul from "@pulumi/consul";
import { getVersion } from "@pulumi/consul/utilities";
import * as pulumi from "@pulumi/pulumi";
import { setProperties } from "../core/set-properties";

/**
 * The Consul provider's catalog service (`consul:index/service:Service`), declared with only the
 * properties that are set. @pulumi/consul's `Service` class makes an Output of all 14 of its
 * properties; an instance registration sets 8. Same type token, inputs and plugin version as
 * `consul.Service`, so the engine, the provider and the state see no difference (docs/scale.md).
 */
export class CatalogService extends pulumi.CustomResource {
  /** The service's name in the catalog (an input). */
  declare public readonly name: pulumi.Output<string>;
  /** The registration's id on its node (an input). */
  declare public readonly serviceId: pulumi.Output<string>;
  /** The node it is registered on (an input). */
  declare public readonly node: pulumi.Output<string>;

  constructor(name: string, args: consul.ServiceArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      CatalogService.type,
      name,
      setProperties(args),
      pulumi.mergeOptions({ version: getVersion() }, opts),
    );
  }

  /** The provider's type token, the same as @pulumi/consul's `Service`. */
  public static readonly type = "consul:index/service:Service";
}
