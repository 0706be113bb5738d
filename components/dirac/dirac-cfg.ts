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
 * Where a service's databases are: the installation's MariaDB, and the user the services share.
 * The password is written as given (a secret's placeholder in the plan); it goes only into the
 * local `dirac.cfg` of a service that names databases, never into what the Configuration Server
 * serves.
 */
export interface DatabaseAccess {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** One agent of the installation: `System/Agent` and its own options (`PollingTime`, ...). */
export interface DiracAgent {
  name: string;
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
  /** Agents with options of their own; an agent without any needs no section. */
  agents?: readonly DiracAgent[];
}

/** The `System/Component` pair of a DIRAC name. */
function systemAndComponent(name: string): [string, string] {
  const [system, component] = name.split("/");
  if (component === undefined)
    throw new Error(`DIRAC component ${name}: expected System/Component`);
  return [system, component];
}

type SystemSection = {
  Services?: CfgSection;
  URLs?: CfgSection;
  Agents?: CfgSection;
  Databases?: CfgSection;
};

/** Options as sections: `Authorization/select = all` is `select = all` in section Authorization. */
function nestedOptions(options: Readonly<Record<string, string>> = {}): CfgSection {
  const out: CfgSection = {};
  for (const [name, value] of Object.entries(options)) {
    const path = name.split("/");
    let section = out;
    for (const part of path.slice(0, -1)) section = (section[part] ??= {}) as CfgSection;
    section[path[path.length - 1]] = value;
  }
  return out;
}

/**
 * Each service's section under Systems (its port, the `dip` protocol, its options) and its URLs;
 * each agent's options under the system's Agents.
 */
function systemsSection(installation: DiracInstallation): CfgSection {
  const systems: Record<string, SystemSection> = {};
  for (const s of installation.services) {
    const [system, component] = systemAndComponent(s.name);
    const entry = (systems[system] ??= {});
    (entry.Services ??= {})[component] = {
      ...(DISET_HANDLERS[s.name] ? { HandlerPath: DISET_HANDLERS[s.name] } : {}),
      Port: String(s.port),
      Protocol: "dip",
      ...nestedOptions(s.options),
    };
    (entry.URLs ??= {})[component] = s.urls;
  }
  for (const a of installation.agents ?? []) {
    const [system, agent] = systemAndComponent(a.name);
    ((systems[system] ??= {}).Agents ??= {})[agent] = nestedOptions(a.options);
  }
  return systems;
}

/**
 * The `dirac.cfg` of the installation's programs: the Configuration Server to read from, no host
 * certificate (the services speak `dip`), each service's port, protocol and URL, and the agents'
 * options. With
 * `master`, the program is a Configuration Server that serves this installation's configuration
 * (`masterCfg`) under the balancers' name.
 */
export function diracCfg(
  installation: DiracInstallation,
  master?: MasterRole,
  databases?: ServiceDatabases,
): string {
  const systems = systemsSection(installation);
  if (databases) addDatabases(systems, databases);
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
    Systems: systems,
  });
}

/** A service's databases (`System/DBName`, e.g. `ResourceStatus/ResourceStatusDB`) and where they are. */
export interface ServiceDatabases {
  names: readonly string[];
  access: DatabaseAccess;
}

/**
 * Where a service's databases are, as DIRAC reads it: the shared user, password, host and port
 * under `/Systems/Databases`, and each database's `DBName` under its system's Databases.
 */
function addDatabases(systems: CfgSection, { names, access }: ServiceDatabases): void {
  systems.Databases = {
    User: access.user,
    Password: access.password,
    Host: access.host,
    Port: String(access.port),
  };
  for (const name of names) {
    const [system, db] = systemAndComponent(name);
    const entry = (systems[system] ??= {}) as SystemSection & CfgSection;
    ((entry.Databases ??= {}) as CfgSection)[db] = { DBName: db };
  }
}

/**
 * What the installation's Configuration Server serves to every client (its master file,
 * `masterCfgPath`): the installation's name, the Configuration Servers' URLs (the balancers'), and
 * each service's port, protocol, options and URL, so that a client finds a service by its name,
 * and each agent's options.
 */
export function masterCfg(installation: DiracInstallation): string {
  return renderCfg({
    DIRAC: {
      Configuration: { Name: installation.name, Servers: installation.configurationServers },
    },
    Systems: systemsSection(installation),
  });
}
