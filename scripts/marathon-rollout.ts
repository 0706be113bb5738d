// The release's wait for Marathon's rolling upgrade of the `marathon`-mode services, as Consul
// shows it: each task registrar registers a task, with the image it runs, once it is running and
// healthy, and deregisters it once it is being killed (components/marathon/task-registrar.ts). The
// `up` ends when Marathon has taken the new apps; the upgrade goes on after it.
import { ConsulCredentials, consulHttp } from "../components/consul/consul-http";
import { MarathonApp } from "../components/marathon/marathon-app";

/** What a service's upgrade ends with: `instances` tasks of `stack`, each running `image`. */
export interface TaskRolloutGoal {
  /** Stacks can share a Consul datacenter, and a service's key is the same in each. */
  stack: string;
  key: string;
  instances: number;
  image: string;
}

/** One entry of Consul's `/v1/health/service/<key>`, as far as the wait reads it. */
export interface ServiceHealthEntry {
  Node: { Node: string };
  Service: { ID: string; Meta?: Record<string, string> };
  Checks: { Status: string }[];
}

/** How far a service's upgrade is: its passing tasks on the new image and on any other. */
export interface TaskRolloutProgress {
  key: string;
  onNew: number;
  onOld: number;
  done: boolean;
}

/**
 * The goals of a release from the Marathon apps the `up` submitted (their JSON, as the state
 * holds it: what Marathon upgrades to): each service at its instances, on its image.
 */
export function taskRolloutGoals(appJsons: readonly string[]): TaskRolloutGoal[] {
  return appJsons.map((json) => {
    const app = JSON.parse(json) as Pick<MarathonApp, "instances" | "labels" | "container">;
    return {
      stack: app.labels["platform.stack"],
      key: app.labels["platform.service"],
      instances: app.instances,
      image: app.container.docker.image,
    };
  });
}

/**
 * A service's progress from its health entries: only its stack's registrars' (on a `-tasks`
 * node, its stack in their meta), only the passing ones (a task on a lost host stays
 * registered, failing, until it is reaped). Done when exactly its instances pass on the new image
 * and none on another.
 */
export function taskRolloutProgress(
  goal: TaskRolloutGoal,
  entries: readonly ServiceHealthEntry[],
): TaskRolloutProgress {
  const passing = entries.filter(
    (e) =>
      e.Node.Node.endsWith("-tasks") &&
      e.Service.Meta?.stack === goal.stack &&
      e.Checks.every((c) => c.Status === "passing"),
  );
  const onNew = passing.filter((e) => e.Service.Meta?.image === goal.image).length;
  const onOld = passing.length - onNew;
  return { key: goal.key, onNew, onOld, done: onNew === goal.instances && onOld === 0 };
}

/** One line of progress: `key: 1 of 2 on the new image, 1 on another`. */
export function progressLine(goal: TaskRolloutGoal, p: TaskRolloutProgress): string {
  return `${goal.key}: ${p.onNew} of ${goal.instances} on the new image${p.onOld > 0 ? `, ${p.onOld} on another` : ""}`;
}

/**
 * Waits until every goal is met, asking Consul at `api` every `everyMs`, logging each service's
 * progress when it changes; throws after `timeoutS`, naming the services not done and how far
 * each is.
 */
export async function waitTaskRollout(
  api: string,
  credentials: ConsulCredentials,
  goals: readonly TaskRolloutGoal[],
  log: (m: string) => void,
  { timeoutS, everyMs = 1000 }: { timeoutS: number; everyMs?: number },
): Promise<void> {
  const end = Date.now() + timeoutS * 1000;
  const said = new Map<string, string>();
  for (;;) {
    const progress = await Promise.all(goals.map((g) => progressOf(api, credentials, g)));
    for (const [i, p] of progress.entries()) {
      const line = progressLine(goals[i], p);
      if (said.get(p.key) !== line) log(`marathon: ${line}`);
      said.set(p.key, line);
    }
    const pending = progress.filter((p) => !p.done);
    if (pending.length === 0) return;
    if (Date.now() > end)
      throw new Error(
        `Marathon's upgrade did not end within ${timeoutS}s, as Consul shows it: ${pending
          .map((p) =>
            progressLine(
              goals.find((g) => g.key === p.key)!,
              p,
            ),
          )
          .join("; ")}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function progressOf(
  api: string,
  credentials: ConsulCredentials,
  goal: TaskRolloutGoal,
): Promise<TaskRolloutProgress> {
  const r = await consulHttp(`${api}/v1/health/service/${encodeURIComponent(goal.key)}`, {
    ...credentials,
    timeoutMs: 5000,
  }).catch(() => undefined);
  const entries = r?.ok ? (JSON.parse(r.body) as ServiceHealthEntry[]) : [];
  return taskRolloutProgress(goal, entries);
}
