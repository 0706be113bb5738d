import * as pulumi from "@pulumi/pulumi";

/**
 * The properties of `args` that have a value: an unset one is left out, as the engine drops it
 * anyway. The provider resources declared with these (PlatformContainer, CatalogService) get an
 * Output only for what is set, where the providers' generated classes make one for every
 * property they know (docs/scale.md).
 */
export function setProperties(args: object): pulumi.Inputs {
  const props: pulumi.Inputs = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined) props[k] = v;
  return props;
}
