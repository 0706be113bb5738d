// npm run release -- VERSION [STACK]: the paper's single script. Builds the platform service
// image at VERSION, then rolls it out on STACK (default local): in rounds, each replacing one
// instance of every service (so every service keeps its other instances serving), each instance
// drained before it stops, sent traffic only once healthy, and the next round starting only when
// Consul sees every instance passing again. A final `up` converges the rest (the agents).
import { execFileSync } from "node:child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { openStack, PROJECT_ROOT } from "./engine-stack";

interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  inputs?: { spec?: { image?: string; labels?: Record<string, string> } };
}

/** Instance containers of the services still on another image, grouped by service. */
export function pendingInstances(resources: StateResource[], image: string): Map<string, string[]> {
  const byService = new Map<string, string[]>();
  for (const r of resources) {
    const labels = r.inputs?.spec?.labels;
    if (!r.type.endsWith("docker:Container") || labels?.["platform.component"] !== "service") continue;
    if (r.inputs?.spec?.image === image) continue;
    const service = labels["platform.service"];
    byService.set(service, [...(byService.get(service) ?? []), r.urn].sort());
  }
  return byService;
}

/** Rounds: the i-th round holds the i-th pending instance of every service. */
export function rounds(byService: Map<string, string[]>): string[][] {
  const out: string[][] = [];
  for (const urns of byService.values()) urns.forEach((u, i) => (out[i] ??= []).push(u));
  return out;
}

async function consulPassing(consulApi: string): Promise<{ total: number; passing: number }> {
  const res = await fetch(`${consulApi}/v1/health/state/any`, { signal: AbortSignal.timeout(3000) });
  const checks = (await res.json()) as { ServiceID: string; Status: string }[];
  const instances = checks.filter((c) => c.ServiceID !== "" && !c.ServiceID.startsWith("mesos-slave-host"));
  return { total: instances.length, passing: instances.filter((c) => c.Status === "passing").length };
}

async function waitAllPassing(consulApi: string, expected: number, timeoutS: number): Promise<void> {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await consulPassing(consulApi).catch(() => ({ total: -1, passing: -1 }));
    if (s.total === expected && s.passing === expected) return;
    if (Date.now() > end) throw new Error(`Consul shows ${s.passing} of ${s.total} instance checks passing, expected ${expected}, after ${timeoutS}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Rolls the stack onto `image`; returns the seconds each round took. */
export async function rollOut(stack: Stack, image: string, log: (m: string) => void): Promise<number[]> {
  await stack.setConfig("lhcb-platform:images.service", { value: image }, true);
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: StateResource[] }).resources ?? [];
  const plan = rounds(pendingInstances(resources, image));
  const consulApi = String((await stack.outputs()).consulApi?.value ?? "");
  const instances = resources.filter((r) => r.inputs?.spec?.labels?.["platform.component"] === "service").length;
  const times: number[] = [];
  for (const [i, urns] of plan.entries()) {
    const t0 = Date.now();
    log(`round ${i + 1}/${plan.length}: replacing ${urns.length} instance(s): ${urns.map((u) => u.split("::").pop()).join(", ")}`);
    const r = await stack.up({ target: urns, targetDependents: true, color: "never" });
    if (r.summary.result !== "succeeded") throw new Error(`round ${i + 1} failed: ${r.summary.result}`);
    if (consulApi !== "") await waitAllPassing(consulApi, instances, 60);
    times.push((Date.now() - t0) / 1000);
    log(`round ${i + 1} done in ${times[times.length - 1].toFixed(1)}s`);
  }
  log("converging the rest (agents)");
  const rest = await stack.up({ color: "never" });
  if (rest.summary.result !== "succeeded") throw new Error(`converging the rest failed: ${rest.summary.result}`);
  return times;
}

async function main(version: string | undefined, stackName: string): Promise<number> {
  if (!version || !/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(version)) {
    console.error("usage: npm run release -- VERSION [STACK]   (VERSION: a Docker tag, e.g. 1.0.1)");
    return 2;
  }
  const started = Date.now();
  const log = (m: string) => console.log(`release: ${m} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  log(`building lhcb-platform/service:${version}`);
  execFileSync("scripts/docker/build-images.sh", ["--no-dockerd", "--service-version", version, "service"], { cwd: PROJECT_ROOT, stdio: "inherit" });
  const stack = await openStack(stackName);
  const rounds = await rollOut(stack, `lhcb-platform/service:${version}`, log);
  log(`rolled out ${version} on ${stackName} in ${rounds.length} round(s): ${rounds.map((s) => `${s.toFixed(1)}s`).join(", ")}`);
  return 0;
}

if (require.main === module) {
  main(process.argv[2], process.argv[3] ?? "local").then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`release: failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
