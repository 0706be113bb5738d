import { Catalog, ServiceSpec } from "./catalog";
import { RunMode } from "./config-schema";

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
 * Configuration Server they all read from, and no agent runs on the image yet (its scheduled,
 * locked runs are the sample image's).
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
    if (runsPlatformImage(a, platformImage))
      catalogProblem(
        `agents[${i}].image`,
        `expected an image of the agent's own: the platform's DIRAC image does not run scheduled agents yet (${a.name})`,
      );
  });
}
