import { Catalog, ServiceSpec } from "./catalog";
import { DiracSettings, HostSpec, RunMode } from "./config-schema";

type Report = (path: string, expected: string) => void;

/** The Configuration Server: every DIRAC program of the installation reads its configuration from it. */
export const CONFIGURATION_SERVER = "Configuration/Server";

/** True when an entry runs the platform image: no image of its own, or that one named. */
export function runsPlatformImage(entry: { image?: string }, platformImage: string): boolean {
  return entry.image === undefined || entry.image === platformImage;
}

/** What a DIRAC service of the catalog cannot be, as (field, what is expected) pairs. */
function diracServiceProblems(
  s: ServiceSpec,
  mode: RunMode,
): { field: string; expected: string }[] {
  const found: { field: string; expected: string }[] = [];
  if (!s.name.includes("/"))
    found.push({
      field: "name",
      expected: "expected System/Component: DIRAC finds a service by its system and component",
    });
  if (s.protocol !== "tcp")
    found.push({
      field: "protocol",
      expected: "expected tcp: a DIRAC service speaks DISET, not HTTP",
    });
  if (s.proxyProtocol)
    found.push({
      field: "proxyProtocol",
      expected: "expected false: DISET would read the PROXY protocol's header as a malformed call",
    });
  if (s.check.http !== undefined)
    found.push({
      field: "check",
      expected:
        "expected a command check (a DISET ping through the instance's HTTP bridge) or a tcp check: a DIRAC service answers no HTTP path",
    });
  if (mode !== "pulumi")
    found.push({
      field: "mode",
      expected:
        "expected pulumi: the installation's configuration is uploaded into the containers Pulumi declares, and a Marathon task would start without it",
    });
  return found;
}

/**
 * Where the stack runs DIRAC (`dirac`): the catalog's entries on the platform image are DIRAC
 * programs. Each service speaks DISET over TCP in `pulumi` mode, the catalog holds the
 * Configuration Server they all read from; each agent is named System/Agent and runs in `pulumi`
 * mode too.
 */
export function diracCatalogProblems(
  catalog: Catalog,
  platformImage: string,
  modeOf: (m: RunMode | undefined) => RunMode,
  catalogProblem: Report,
): void {
  let configurationServer = false;
  catalog.services.forEach((s, i) => {
    if (!runsPlatformImage(s, platformImage)) return;
    if (s.name === CONFIGURATION_SERVER) configurationServer = true;
    for (const p of diracServiceProblems(s, modeOf(s.mode)))
      catalogProblem(`services[${i}].${p.field}`, `${p.expected} (${s.name} runs DIRAC)`);
  });
  if (!configurationServer)
    catalogProblem(
      "services",
      `expected a ${CONFIGURATION_SERVER} entry on the platform image: every DIRAC program reads the installation's configuration from it`,
    );
  catalog.agents.forEach((a, i) => {
    if (!runsPlatformImage(a, platformImage)) return;
    if (!a.name.includes("/"))
      catalogProblem(
        `agents[${i}].name`,
        `expected System/Agent: DIRAC finds an agent by its system and name (${a.name} runs DIRAC)`,
      );
    if (modeOf(a.mode) !== "pulumi")
      catalogProblem(
        `agents[${i}].mode`,
        `expected pulumi: the installation's configuration is uploaded into the containers Pulumi declares, and a Chronos run would start without it (${a.name} runs DIRAC)`,
      );
  });
}

/**
 * The databases of the catalog's services, where the stack runs DIRAC (elsewhere they are
 * DIRAC's and unused, as the catalog's options are): only a DIRAC service names them, and then
 * the stack's `dirac.database` says where MariaDB runs, on a host of the stack.
 */
export function diracDatabaseProblems(
  dirac: DiracSettings | undefined,
  hosts: readonly HostSpec[],
  catalog: Catalog,
  platformImage: string,
  problem: Report,
  catalogProblem: Report,
): void {
  if (dirac === undefined) return;
  const users = catalog.services.filter((s) => s.databases.length > 0);
  catalog.services.forEach((s, i) => {
    if (s.databases.length > 0 && !runsPlatformImage(s, platformImage))
      catalogProblem(
        `services[${i}].databases`,
        `expected none: only a DIRAC service (on the platform image) is given its databases (${s.name})`,
      );
  });
  if (dirac.database === undefined) {
    if (users.length > 0)
      problem(
        "dirac.database",
        `expected a database host: ${users.map((s) => s.name).join(", ")} name databases`,
      );
    return;
  }
  if (!hosts.some((h) => h.id === dirac.database!.host))
    problem(
      "dirac.database.host",
      `expected the id of a host of hosts; got ${JSON.stringify(dirac.database.host)}`,
    );
}

/** Every DIRAC problem of the stack: its catalog's (`diracCatalogProblems`) and its database's. */
export function diracProblems(
  { dirac, hosts }: { dirac?: DiracSettings; hosts: readonly HostSpec[] },
  catalog: Catalog,
  platformImage: string,
  modeOf: (m: RunMode | undefined) => RunMode,
  problem: Report,
  catalogProblem: Report,
): void {
  if (dirac) diracCatalogProblems(catalog, platformImage, modeOf, catalogProblem);
  diracDatabaseProblems(dirac, hosts, catalog, platformImage, problem, catalogProblem);
}
