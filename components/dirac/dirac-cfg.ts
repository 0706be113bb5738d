import { CfgSection, renderCfg } from "./cfg-text";

/** Where DIRAC's programs in the platform's DIRAC image read their configuration. */
export const DIRAC_CFG_PATH = "/opt/dirac/etc/dirac.cfg";

/** The master file of a Configuration Server named `name`: the configuration it serves. */
export function masterCfgPath(name: string): string {
  return `/opt/dirac/etc/${name}.cfg`;
}

/**
 * Services whose default handler in DIRAC 9 speaks HTTPS (Tornado): over DISET they need DIRAC's
 * older handler named. The Configuration Server is one.
 */
const DISET_HANDLERS: Record<string, string> = {
  "Configuration/Server": "DIRAC/ConfigurationSystem/Service/ConfigurationHandler.py",
};

/** One DISET service of the installation: `System/Component`, its port, where clients reach it. */
export interface DiracService {
  name: string;
  port: number;
  /**
   * The URLs clients call it at: one per load balancer, as the paper puts only the balancers'
   * addresses in the CS. DIRAC's client picks one at random and tries the others when it fails.
   */
  urls: readonly string[];
  /** Options of the service's own (a StorageElement's `BasePath`, ...), served by the CS. */
  options?: Readonly<Record<string, string>>;
}

/**
 * A master Configuration Server's own settings. It writes its own URL into the configuration it
 * serves (`Servers`, `MasterServer`), built from its host name: `advertisedHost` is the name it
 * gives, the balancers' address, so that clients keep coming back through the balancers.
 */
export interface MasterRole {
  advertisedHost: string;
}

/** What a DIRAC program of the platform reads from its local configuration file. */
export interface DiracInstallation {
  /** The Configuration Server's name for this installation (its master file is `<name>.cfg`). */
  name: string;
  /** URLs of the Configuration Server clients read the configuration from. */
  configurationServers: readonly string[];
  services: readonly DiracService[];
}

/** The `System/Component` pair of a DIRAC name. */
function systemAndComponent(name: string): [string, string] {
  const [system, component] = name.split("/");
  if (component === undefined) throw new Error(`DIRAC service ${name}: expected System/Component`);
  return [system, component];
}

/** Each service's section under Systems: its port, the `dip` protocol, and its URL. */
function systemsSection(services: readonly DiracService[]): CfgSection {
  const systems: Record<string, { Services: CfgSection; URLs: CfgSection }> = {};
  for (const s of services) {
    const [system, component] = systemAndComponent(s.name);
    const entry = (systems[system] ??= { Services: {}, URLs: {} });
    entry.Services[component] = {
      ...(DISET_HANDLERS[s.name] ? { HandlerPath: DISET_HANDLERS[s.name] } : {}),
      Port: String(s.port),
      Protocol: "dip",
      ...s.options,
    };
    entry.URLs[component] = s.urls;
  }
  return systems;
}

/**
 * The `dirac.cfg` of the installation's programs: the Configuration Server to read from, no host
 * certificate (the services speak `dip`), and each service's port, protocol and URL. With
 * `master`, the program is a Configuration Server that serves this installation's configuration
 * (`masterCfg`) under the balancers' name.
 */
export function diracCfg(installation: DiracInstallation, master?: MasterRole): string {
  return renderCfg({
    DIRAC: {
      ...(master ? { Hostname: master.advertisedHost } : {}),
      Security: { UseServerCertificate: "no" },
      Configuration: {
        Name: installation.name,
        Master: master ? "yes" : "no",
        Servers: installation.configurationServers,
      },
    },
    Systems: systemsSection(installation.services),
  });
}

/**
 * What the installation's Configuration Server serves to every client (its master file,
 * `masterCfgPath`): the installation's name, the Configuration Servers' URLs (the balancers'), and
 * each service's port, protocol, options and URL, so that a client finds a service by its name.
 */
export function masterCfg(installation: DiracInstallation): string {
  return renderCfg({
    DIRAC: {
      Configuration: { Name: installation.name, Servers: installation.configurationServers },
    },
    Systems: systemsSection(installation.services),
  });
}
