import { ContainerFile } from "../core/container-spec";
import { CONFIGURATION_SERVER } from "../core/dirac-checks";
import { partAddress } from "../core/endpoints";
import { usesPlatformImage } from "../core/images";
import { PlacedAgent, PlacedService, PlatformSpec } from "../core/platform-spec";
import {
  DIRAC_CFG_PATH,
  diracCfg,
  DiracAgent,
  DiracInstallation,
  DiracService,
  masterCfg,
  masterCfgPath,
  ServiceDatabases,
} from "./dirac-cfg";
import { databaseAccess } from "./dirac-database";

/** What the DIRAC plan reads of the platform: the catalog's entries, the balancers, the platform image. */
export type DiracPlanSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "loadBalancers" | "services" | "agents" | "images" | "dirac"
>;

/**
 * True when the catalog's `entry` (a service or an agent) is a DIRAC program: the stack runs
 * DIRAC and the entry the platform image.
 */
export function isDiracEntry(spec: DiracPlanSpec, entry: Pick<PlacedService, "image">): boolean {
  return spec.dirac !== undefined && usesPlatformImage(spec, entry.image);
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
  const known = rendered.get(spec.services);
  const same = (k: keyof DiracPlanSpec) => known?.spec[k] === spec[k];
  if (known && same("loadBalancers") && same("agents") && same("dirac") && same("images"))
    return known.installation;
  const installation = installationOf(spec);
  rendered.set(spec.services, { spec, installation });
  return installation;
}

/**
 * Installations already made, by the services they were made from: each instance's files come
 * from the one installation, not one rendered per instance.
 */
const rendered = new WeakMap<
  readonly PlacedService[],
  { spec: DiracPlanSpec; installation: DiracInstallation }
>();

function installationOf(spec: DiracPlanSpec): DiracInstallation {
  if (spec.dirac === undefined) throw new Error("the stack runs no DIRAC installation");
  const services: DiracService[] = spec.services
    .filter((s) => isDiracEntry(spec, s))
    .map((s) => ({
      name: s.name,
      port: s.port,
      urls: serviceUrls(spec, s),
      ...(Object.keys(s.options).length > 0 ? { options: s.options } : {}),
    }));
  const cs = services.find((s) => s.name === CONFIGURATION_SERVER);
  if (cs === undefined) throw new Error(`the catalog has no ${CONFIGURATION_SERVER}`);
  const agents: DiracAgent[] = spec.agents
    .filter((a) => isDiracEntry(spec, a) && Object.keys(a.options).length > 0)
    .map((a) => ({ name: a.name, options: a.options }));
  return {
    name: spec.dirac.installation,
    configurationServers: cs.urls,
    services,
    ...(agents.length > 0 ? { agents } : {}),
  };
}

/**
 * The files an instance of a DIRAC service reads: the installation's `dirac.cfg`; a Configuration
 * Server's also its master file, and its own URL given under the first balancer's address, so
 * that what it serves sends every client back through the balancers. None for another service.
 */
export function diracFiles(spec: DiracPlanSpec, service: PlacedService): ContainerFile[] {
  if (!isDiracEntry(spec, service)) return [];
  const installation = diracInstallation(spec);
  if (service.name !== CONFIGURATION_SERVER)
    return [
      {
        path: DIRAC_CFG_PATH,
        content: diracCfg(installation, undefined, databasesOf(spec, service)),
      },
    ];
  const advertisedHost = balancerAddresses(spec)[0];
  return [
    { path: DIRAC_CFG_PATH, content: diracCfg(installation, { advertisedHost }) },
    { path: masterCfgPath(installation.name), content: masterCfg(installation) },
  ];
}

/**
 * Where a service's databases are (each under the service's system), for its own `dirac.cfg`
 * only: the password is in no file the Configuration Server serves.
 */
function databasesOf(spec: DiracPlanSpec, service: PlacedService): ServiceDatabases | undefined {
  if (service.databases.length === 0) return undefined;
  const [system] = service.name.split("/");
  return {
    names: service.databases.map((db) => `${system}/${db}`),
    access: databaseAccess(spec),
  };
}

/** The file a container of a DIRAC agent reads: the installation's `dirac.cfg`. None for another agent. */
export function diracAgentFiles(spec: DiracPlanSpec, agent: PlacedAgent): ContainerFile[] {
  if (!isDiracEntry(spec, agent)) return [];
  return [{ path: DIRAC_CFG_PATH, content: diracCfg(diracInstallation(spec)) }];
}
