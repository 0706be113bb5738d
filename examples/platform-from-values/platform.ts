// The whole platform of the site, from the site's own values.
import { Platform, platformFromValues } from "lhcb-platform";
import { catalog, config } from "./site";

/** The platform of `stack`; bad values stop here, each problem naming site.ts and the path in it. */
export function sitePlatform(stack: string): Platform {
  const spec = platformFromValues({
    stack,
    config,
    catalog,
    sources: { config: "site.ts (config)", catalog: "site.ts (catalog)" },
  });
  return new Platform("site", { spec });
}
