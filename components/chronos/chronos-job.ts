/**
 * The Chronos job of a `marathon`-mode scheduled agent (Chronos 3 ISO 8601 job API). Pure. Only
 * keys Chronos 3.0.2's job deserializer reads (upstream/chronos.json): it drops any other without a
 * word. How late a run may start is Chronos' own `--task_epsilon` there, not a job's (chronosArgs).
 */
import { entryLabelParameters } from "../core/container-spec";
import { parseCron, toChronosSchedule } from "../core/cron";
import { PlacedAgent, PlatformSpec } from "../core/platform-spec";

export interface ChronosJob {
  name: string;
  description: string;
  command: string;
  arguments: string[];
  shell: boolean;
  schedule: string;
  scheduleTimeZone: string;
  owner: string;
  container: {
    type: "DOCKER";
    image: string;
    network: "BRIDGE";
    forcePullImage: boolean;
    volumes: never[];
    /** `docker run` options, `--KEY=VALUE` each: the entry's labels. */
    parameters: { key: string; value: string }[];
  };
  cpus: number;
  mem: number;
  concurrent: boolean;
  retries: number;
  disabled: boolean;
  constraints: string[][];
  environmentVariables: { name: string; value: string }[];
}

export interface ChronosJobOptions {
  /**
   * The instant the schedule is computed from: the job's repeating interval starts at the first
   * run after it. Keep it fixed (not "now"), or every deployment would change the job; a start
   * in the past is fine, Chronos skips forward to the next run.
   */
  from: Date;
  /** Who Chronos notifies when a run fails (an e-mail address); empty for nobody. */
  owner?: string;
}

/** Chronos job name of an agent: `<stack>-<key>`. */
export function chronosJobName(stack: string, agent: Pick<PlacedAgent, "key">): string {
  return `${stack}-${agent.key}`;
}

/**
 * The job of a `marathon`-mode agent. `concurrent: false` makes Chronos skip a run while the
 * previous one is still going, so an agent never runs twice at once; `retries: 0` because a
 * failed run is simply retried by the next one. Chronos repeats at a fixed period, so the cron
 * schedule becomes `R/<first run>/<shortest gap>` (core/cron.ts). The command is given without a
 * shell: Mesos' Docker containerizer appends it to the image's entrypoint (`platform-service` for
 * the platform image), so the run is `platform-service agent <name>`, as in `pulumi` mode.
 */
export function chronosJob(
  spec: Pick<PlatformSpec, "stack">,
  agent: PlacedAgent,
  opts: ChronosJobOptions,
): ChronosJob {
  if (agent.mode !== "marathon")
    throw new Error(`agent ${agent.name} runs in ${agent.mode} mode, not marathon`);
  if (agent.schedule === undefined)
    throw new Error(`agent ${agent.name} runs its own loop: Chronos runs an agent on a schedule`);
  const env: Record<string, string> = {
    AGENT_NAME: agent.name,
    AGENT_DURATION: String(agent.durationSeconds),
    PLATFORM_STACK: spec.stack,
    ...agent.env,
  };
  return {
    name: chronosJobName(spec.stack, agent),
    description: agent.name,
    command: "agent",
    // Chronos starts a container per run: the agent runs once and exits.
    arguments: [agent.name, "--once"],
    shell: false,
    schedule: toChronosSchedule(parseCron(agent.schedule), opts.from),
    scheduleTimeZone: "UTC",
    owner: opts.owner ?? "",
    container: {
      type: "DOCKER",
      image: agent.image,
      network: "BRIDGE",
      forcePullImage: false,
      volumes: [],
      parameters: entryLabelParameters(spec.stack, agent.key),
    },
    cpus: agent.cpus,
    mem: agent.memoryMb,
    concurrent: false,
    retries: 0,
    disabled: false,
    constraints: Object.keys(agent.constraints)
      .sort()
      .map((label) => [label, "EQUALS", agent.constraints[label]]),
    environmentVariables: Object.entries(env).map(([name, value]) => ({ name, value })),
  };
}

/** The job as the JSON text submitted to Chronos. */
export function chronosJobJson(
  spec: Pick<PlatformSpec, "stack">,
  agent: PlacedAgent,
  opts: ChronosJobOptions,
): string {
  return JSON.stringify(chronosJob(spec, agent, opts), null, 2) + "\n";
}

/**
 * Start of every Chronos schedule. Chronos repeats from a start time at a fixed period; a fixed
 * start in the past keeps the phase of the cron expression and never changes between deploys.
 */
export const CHRONOS_EPOCH = new Date("2020-01-01T00:00:00Z");
