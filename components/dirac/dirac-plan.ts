import { ContainerFile } from "../core/container-spec";
import { CONFIGURATION_SERVER } from "../core/dirac-checks";
import { partAddress } from "../core/endpoints";
import { PlacedService, ServicesSpec } from "../core/platform-spec";
import {
  DIRAC_CFG_PATH,
  diracCfg,
  DiracInstallation,
  DiracService,
  masterCfg,
  masterCfgPath,
} from "./dirac-cfg";

/** What the DIRAC plan reads of the platform: the services, the balancers, the platform image. */
export type DiracPlanSpec = Pick<
  ServicesSpec,
  "stack" | "local" | "loadBalancers" | "services" | "images" | "dirac"
>;

/** True when `service` is a DIRAC service: the stack runs DIRAC and the service the platform image. */
export function isDiracService(
  spec: DiracPlanSpec,
  service: Pick<PlacedService, "image">,
): boolean {
  return spec.dirac !== undefined && service.image === spec.images.service;
}

/** Where clients reach each balancer: its container's name on the local stack, its host's address at a site. */
function balancerAddresses(spec: DiracPlanSpec): string[] {
  return spec.loadBalancers.map((h) => partAddress(spec, "lb", h));
}

/** A service's URL through each balancer: `dip://<balancer>:<port>/<System/Component>`. */
function serviceUrls(spec: DiracPlanSpec, service: PlacedService): string[] {
  return balancerAddresses(spec).map((lb) => `dip://${lb}:${service.port}/${service.name}`);
}

/**
 * The installation the stack runs: its name, and each DIRAC service of the catalog with its port,
 * options and its URLs through the balancers, the only addresses the configuration gives clients.
 */
export function diracInstallation(spec: DiracPlanSpec): DiracInstallation {
  if (spec.dirac === undefined) throw new Error("the stack runs no DIRAC installation");
  const services: DiracService[] = spec.services
    .filter((s) => isDiracService(spec, s))
    .map((s) => ({
      name: s.name,
      port: s.port,
      urls: serviceUrls(spec, s),
      ...(Object.keys(s.options).length > 0 ? { options: s.options } : {}),
    }));
  const cs = services.find((s) => s.name === CONFIGURATION_SERVER);
  if (cs === undefined) throw new Error(`the catalog has no ${CONFIGURATION_SERVER}`);
  return { name: spec.dirac.installation, configurationServers: cs.urls, services };
}

/**
 * The files an instance of a DIRAC service reads: the installation's `dirac.cfg`; a Configuration
 * Server's also its master file, and its own URL given under the first balancer's address, so
 * that what it serves sends every client back through the balancers. None for another service.
 */
export function diracFiles(spec: DiracPlanSpec, service: PlacedService): ContainerFile[] {
  if (!isDiracService(spec, service)) return [];
  const installation = diracInstallation(spec);
  if (service.name !== CONFIGURATION_SERVER)
    return [{ path: DIRAC_CFG_PATH, content: diracCfg(installation) }];
  const advertisedHost = balancerAddresses(spec)[0];
  return [
    { path: DIRAC_CFG_PATH, content: diracCfg(installation, { advertisedHost }) },
    { path: masterCfgPath(installation.name), content: masterCfg(installation) },
  ];
}
