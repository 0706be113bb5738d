import { AGENT_RUNS, catalogSchema, HealthCheck } from "./catalog-schema";
import { RunMode } from "./config-schema";
import { InputProblem, PlatformInputError } from "./errors";
import { slug } from "./naming";
import { parseWith } from "./validate";
import { parseYamlText } from "./yaml-file";

/** How an agent runs (`AgentSpec.run`). */
export type AgentRun = (typeof AGENT_RUNS)[number];

/** A service of the catalog with every default applied. */
export interface ServiceSpec {
  kind: "service";
  /** Catalog name, e.g. `DataManagement/FileCatalog`. */
  name: string;
  /** Lower-case dash form used in physical names and Consul: `datamanagement-filecatalog`. */
  key: string;
  /** Image name as written in the catalog; undefined means the platform image. */
  image?: string;
  instances: number;
  port: number;
  protocol: "http" | "tcp";
  proxyProtocol: boolean;
  /** Seconds a balancer waits for an instance's answer before it gives up on it (`timeout server`). */
  requestTimeoutSeconds: number;
  check: HealthCheck;
  cpus: number;
  memoryMb: number;
  constraints: Record<string, string>;
  env: Record<string, string>;
  /** The service's own DIRAC options, served by the Configuration Server. */
  options: Record<string, string>;
  /** The DIRAC databases it uses, in the installation's MariaDB. */
  databases: string[];
  /** Undefined: the stack's default mode. */
  mode?: RunMode;
}

/** An agent of the catalog with every default applied. */
export interface AgentSpec {
  kind: "agent";
  name: string;
  key: string;
  image?: string;
  /** `cycle`: a run per firing of `schedule`; `loop`: a singleton's own loop, under the lock. */
  run: AgentRun;
  /** Set for a `cycle` agent, absent for a `loop` one. */
  schedule?: string;
  durationSeconds: number;
  cpus: number;
  memoryMb: number;
  constraints: Record<string, string>;
  env: Record<string, string>;
  /** The agent's own DIRAC options, served by the Configuration Server. */
  options: Record<string, string>;
  mode?: RunMode;
}

export interface Catalog {
  /** The file the catalog was read from, for messages. */
  file: string;
  services: ServiceSpec[];
  agents: AgentSpec[];
}

/** Validates a parsed catalog value: schema, then names and ports that must be unique. */
export function parseCatalog(value: unknown, file: string): Catalog {
  const raw = parseWith(catalogSchema, value ?? {}, file);
  const problems = duplicateProblems(raw, file);
  if (problems.length > 0) throw new PlatformInputError(problems);

  const { cpus, memoryMb } = raw.defaults;
  return {
    file,
    services: raw.services.map((s) => ({
      kind: "service",
      name: s.name,
      key: slug(s.name),
      image: s.image,
      instances: s.instances,
      port: s.port,
      protocol: s.protocol,
      proxyProtocol: s.proxyProtocol,
      requestTimeoutSeconds: s.requestTimeoutSeconds,
      check: s.check,
      cpus: s.cpus ?? cpus,
      memoryMb: s.memoryMb ?? memoryMb,
      constraints: s.constraints,
      env: s.env,
      options: s.options,
      databases: s.databases,
      mode: s.mode,
    })),
    agents: raw.agents.map((a) => ({
      kind: "agent",
      name: a.name,
      key: slug(a.name),
      image: a.image,
      run: a.run,
      ...(a.schedule === undefined ? {} : { schedule: a.schedule }),
      durationSeconds: a.durationSeconds,
      cpus: a.cpus ?? cpus,
      memoryMb: a.memoryMb ?? memoryMb,
      constraints: a.constraints,
      env: a.env,
      options: a.options,
      mode: a.mode,
    })),
  };
}

/** Parses and validates catalog YAML text. */
export function parseCatalogYaml(text: string, file: string): Catalog {
  return parseCatalog(parseYamlText(text, file), file);
}

/** Names (as keys) and ports used twice in a catalog: every instance after the first is a problem. */
function duplicateProblems(
  raw: { services: { name: string; port: number }[]; agents: { name: string }[] },
  file: string,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const seenName = new Map<string, string>();
  const seenPort = new Map<number, string>();
  const claim = (name: string, path: string) => {
    const prior = seenName.get(slug(name));
    if (prior === undefined) seenName.set(slug(name), path);
    else
      problems.push({
        file,
        path: `${path}.name`,
        expected: `a unique name; "${name}" is already used by ${prior}`,
      });
  };
  raw.services.forEach((s, i) => {
    claim(s.name, `services[${i}]`);
    const prior = seenPort.get(s.port);
    if (prior === undefined) seenPort.set(s.port, `services[${i}] (${s.name})`);
    else
      problems.push({
        file,
        path: `services[${i}].port`,
        expected: `a port no other service uses; ${s.port} is already used by ${prior}`,
      });
  });
  raw.agents.forEach((a, i) => claim(a.name, `agents[${i}]`));
  return problems;
}
