// What a test asks of the running site while a steady client runs (in a thread of its own,
// scripts/bench/steady-client.ts): every probe is asynchronous, so the test itself is never held either.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { ConsulCredentials, consulHttp } from "../../components/consul/consul-http";
import { consulApiUrl } from "../../components/consul/consul-tls-plan";
import { containerName, Site } from "../../components/core/endpoints";
import { statsHost } from "../../components/haproxy/lb-containers";
import { FALLBACK_SUFFIX } from "../../components/haproxy/haproxy-config";
import { LB_PATHS } from "../../components/haproxy/lb-files";
import { PlatformSpec } from "../../components/core/platform-spec";
import { whitelistHostDir } from "../../components/mesos/host-paths";
import { MESOS_PATHS } from "../../components/mesos/mesos-flags";
import { LoadSummary, ok, Sample, summarize } from "../../scripts/bench/load";
import { inNetnsArgs, SiteHost, SiteLayout } from "../../scripts/site/layout";
import { SteadyClient } from "../../scripts/bench/steady-client";

const execFileAsync = promisify(execFile);

/** `docker ARGS` on a host's engine, over SSH as the Docker provider reaches it. */
export const onHost = (address: string, ...args: string[]): string =>
  execFileSync("docker", ["-H", `ssh://root@${address}`, ...args], { encoding: "utf8" });

/** consul-template's configuration in the stack's first balancer. */
export function lbConsulTemplateConfig(spec: PlatformSpec): string {
  const lb = spec.loadBalancers[0];
  return onHost(
    lb.address,
    "exec",
    `${spec.stack}-lb-${lb.id}`,
    "cat",
    LB_PATHS.consulTemplateConfig,
  );
}

/** The `catalog-read` token, as the stack's first balancer's consul-template has it. */
export function catalogReadToken(spec: PlatformSpec): string {
  return /\n {2}token {3}= "([0-9a-f-]{36})"\n/.exec(lbConsulTemplateConfig(spec))![1];
}

/** `cmd ARGS`: whether it exited 0, and its stdout. */
export async function probe(
  cmd: string,
  args: string[],
  timeoutMs = 5000,
): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await execFileAsync(cmd, args, { encoding: "utf8", timeout: timeoutMs });
    return { ok: true, out: r.stdout };
  } catch (e) {
    return { ok: false, out: (e as { stdout?: string }).stdout ?? "" };
  }
}

/** Polls `check` every 100 ms until it holds; resolves with the ms it took, rejects after `seconds`. */
export async function timeUntil(
  what: string,
  check: () => Promise<boolean>,
  seconds: number,
): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > seconds * 1000) throw new Error(`${what}: not after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/**
 * Asks `ask` every 100 ms until `holds` accepts its answer, and resolves with that answer; after
 * `seconds`, rejects with timeUntil's message and the last answer, as `show` writes it.
 */
export async function answerOnceItHolds<T>(
  what: string,
  ask: () => Promise<T>,
  holds: (answer: T) => boolean,
  show: (answer: T) => string,
  seconds: number,
): Promise<T> {
  let last: T | undefined;
  const asked = async () => holds((last = await ask()));
  try {
    await timeUntil(what, asked, seconds);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the last answer: ${show(last as T)}`);
  }
  return last as T;
}

/**
 * Balancer `lbId`'s checked servers (`backend/server` → status; the instances' unchecked fallbacks
 * left out) from its stats page, asked on its own host (in its namespace), where the page listens
 * on cert-like stacks; empty when it does not answer.
 */
export async function serversOf(
  site: SiteLayout,
  spec: Pick<PlatformSpec, "loadBalancer">,
  lbId: string,
): Promise<Map<string, string>> {
  const host = site.hosts.find((h) => h.id === lbId)!;
  const url = `http://${statsHost(spec)}:${spec.loadBalancer.statsPort}/stats;csv`;
  const r = await probe("nsenter", inNetnsArgs(host, ["curl", "-fsS", "-m", "2", url]));
  const rows = r.out
    .split("\n")
    .map((l) => l.split(","))
    .filter((f) => f[0].startsWith("be_") && !/^(BACKEND|FRONTEND)$/.test(f[1]))
    // an instance's unchecked fallback is no instance of its own
    .filter((f) => !f[1].endsWith(FALLBACK_SUFFIX));
  return new Map(rows.map((f) => [`${f[0]}/${f[1]}`, f[17]]));
}

/**
 * A Consul HTTP API of the site (a host's address), and the token to ask it with where ACLs are
 * on; HTTPS on 8501 checked against `caCert` where it is given (TLS is on at the site), else HTTP.
 */
export interface SiteConsul extends ConsulCredentials {
  address: string;
}

/** `method` of `path` on `consul`, with a JSON (or text) body: its status (0: no answer) and body. */
async function consulRequest(
  consul: SiteConsul,
  method: "GET" | "PUT" | "DELETE",
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ ok: boolean; status: number; out: string }> {
  const api = consulApiUrl({ local: consul.caCert === undefined }, consul.address);
  try {
    const r = await consulHttp(`${api}${path}`, { ...consul, method, body, timeoutMs });
    return { ok: r.ok, status: r.status, out: r.body };
  } catch (e) {
    return { ok: false, status: 0, out: (e as Error).message };
  }
}

/** GET `path` of `consul` within 2 s: whether it answered 2xx, its status (0: no answer) and body. */
export function consulGet(
  consul: SiteConsul,
  path: string,
): Promise<{ ok: boolean; status: number; out: string }> {
  return consulRequest(consul, "GET", path, undefined, 2000);
}

/** The servers in the raft configuration `consul` answers with, sorted; none where it does not answer. */
export async function consulRaftServers(consul: SiteConsul): Promise<string[]> {
  const r = await consulGet(consul, "/v1/operator/raft/configuration");
  if (!r.ok) return [];
  const body = JSON.parse(r.out) as { Servers: { Node: string }[] };
  return body.Servers.map((x) => x.Node).sort();
}

/** Serf's member statuses, by the number `/v1/agent/members` gives. */
const MEMBER_STATUS = ["none", "alive", "leaving", "left", "failed"];

/**
 * The LAN members `consul` lists, as `node status` (alive, leaving, left, failed), sorted; or
 * what it answered where that is not a list.
 */
export async function consulMemberStatuses(consul: SiteConsul): Promise<string[] | string> {
  const r = await consulGet(consul, "/v1/agent/members");
  if (!r.ok) return `HTTP ${r.status} ${r.out}`;
  const body = JSON.parse(r.out) as { Name: string; Status: number }[];
  return body.map((m) => `${m.Name} ${MEMBER_STATUS[m.Status] ?? m.Status}`).sort();
}

/** The LAN members' names `consul` lists, in any status, sorted; none where it does not answer. */
export async function consulMemberNames(consul: SiteConsul): Promise<string[]> {
  const statuses = await consulMemberStatuses(consul);
  return typeof statuses === "string" ? [] : statuses.map((m) => m.split(" ")[0]);
}

/** `method` of `path` on `consul` with a JSON (or text) body, within 5 s: its status (0: no answer) and body. */
export function consulSend(
  consul: SiteConsul,
  method: "PUT" | "DELETE",
  path: string,
  body: unknown,
): Promise<{ status: number; out: string }> {
  return consulRequest(consul, method, path, body, 5000);
}

interface NodeCheck {
  CheckID: string;
  Status: string;
  Output: string;
}

/** The checks of Consul node `node`, asked of `consul`; why not when it does not answer. */
async function nodeHealth(consul: SiteConsul, node: string): Promise<NodeCheck[] | string> {
  const r = await consulGet(consul, `/v1/health/node/${node}`);
  return r.ok ? (JSON.parse(r.out) as NodeCheck[]) : `no answer: ${r.status} ${r.out}`;
}

/** Consul's `serfHealth` status of `node`, asked of `consul`. */
export async function serfHealth(consul: SiteConsul, node: string): Promise<string> {
  const checks = await nodeHealth(consul, node);
  if (typeof checks === "string") return "unknown";
  return checks.find((c) => c.CheckID === "serfHealth")?.Status ?? "absent";
}

/**
 * Every check of Consul node `node` with its status and output, and the machine's load average
 * (which every simulated host's `load` check reads): what decides a slave's whitelist line.
 */
export async function nodeChecks(consul: SiteConsul, node: string): Promise<string> {
  const health = await nodeHealth(consul, node);
  const checks =
    typeof health === "string"
      ? health
      : health.map((c) => `${c.CheckID}: ${c.Status} ${c.Output.trim().slice(0, 200)}`).join("\n");
  const load = (await readFile("/proc/loadavg", "utf8")).trim();
  return `${node}'s checks:\n${checks}\nload average: ${load}`;
}

/** The Consul leader's host id as the API at `api` sees it (no token needed), or undefined when there is none. */
export async function consulLeader(
  site: SiteLayout,
  api: string,
  caCert: string | undefined,
): Promise<string | undefined> {
  const r = await consulGet({ address: api, caCert }, "/v1/status/leader");
  if (!r.ok) return undefined;
  const address = JSON.parse(r.out) as string;
  return site.hosts.find((h) => address.startsWith(`${h.ip}:`))?.id;
}

/** Whether Consul's autopilot, asked of `consul`, finds all `servers` servers healthy. */
export async function serversHealthy(consul: SiteConsul, servers: number): Promise<boolean> {
  const r = await consulGet(consul, "/v1/operator/autopilot/health");
  if (!r.ok) return false;
  const health = JSON.parse(r.out) as { Healthy: boolean; Servers: unknown[] };
  return health.Healthy && health.Servers.length === servers;
}

/** The mode (`leader`, `follower`) of the ZooKeeper member on host `id`, or undefined when it does not serve. */
export async function zookeeperMode(
  site: { hosts: readonly { id: string; address: string }[] },
  spec: Pick<PlatformSpec, "stack">,
  id: string,
): Promise<string | undefined> {
  const h = site.hosts.find((x) => x.id === id)!;
  const srvr = "exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep '^Mode: ' <&3";
  const container = `${spec.stack}-zookeeper-${id}`;
  const r = await probe(
    "docker",
    ["-H", `ssh://root@${h.address}`, "exec", container, "bash", "-c", srvr],
    10_000,
  );
  return r.ok ? r.out.trim().replace("Mode: ", "") : undefined;
}

/**
 * The whitelist of healthy slaves on master `id` (the agent hostnames, one per line), read from
 * the host directory its renderer writes into; undefined before the first render.
 */
export async function whitelistOn(spec: Site, id: string): Promise<string[] | undefined> {
  const file = join(whitelistHostDir(spec, id), basename(MESOS_PATHS.whitelistFile));
  try {
    return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  } catch {
    return undefined;
  }
}

/** `docker ARGS` on the site host `id`'s engine, through its socket on this machine. */
function dockerOn(site: SiteLayout, id: string, args: string[]): ReturnType<typeof probe> {
  const h = site.hosts.find((x) => x.id === id)!;
  return probe("docker", ["-H", `unix://${h.dockerSocket}`, ...args]);
}

/** What each balancer of `spec` logged from `from` to `to` (ms since the epoch), with times. */
export async function balancerLogs(
  site: SiteLayout,
  spec: PlatformSpec,
  from: number,
  to: number,
): Promise<string> {
  const out = [];
  for (const lb of spec.loadBalancers) {
    const name = containerName(spec, "lb", lb.id);
    const window = ["--since", new Date(from).toISOString(), "--until", new Date(to).toISOString()];
    const socket = site.hosts.find((h) => h.id === lb.id)!.dockerSocket;
    const args = ["-H", `unix://${socket}`, "logs", "--timestamps", ...window, name];
    // stdout (HAProxy's requests, the reloads) and stderr (consul-template), merged by time.
    const lines = await execFileAsync("docker", args, { encoding: "utf8", timeout: 10_000 })
      .then((r) =>
        `${r.stdout}${r.stderr}`
          .split("\n")
          .filter((l) => l !== "")
          .sort(),
      )
      .catch((e: Error) => [`(its engine does not answer: ${e.message})`]);
    out.push(`${lb.id}'s log from ${window[1]} to ${window[3]}:\n${lines.join("\n")}`);
  }
  return out.join("\n");
}

/** `ARGS` run in the network namespace of the site host `host`. */
function inNetns(host: SiteHost, args: string[]): ReturnType<typeof probe> {
  return probe("nsenter", inNetnsArgs(host, args));
}

/** The containers of `spec`'s stack on the site host `id`, by name, with their ids. */
export async function containersOn(
  site: SiteLayout,
  spec: Pick<PlatformSpec, "stack">,
  id: string,
): Promise<Map<string, string>> {
  const r = await dockerOn(site, id, [
    "ps",
    "-a",
    "--filter",
    `label=platform.stack=${spec.stack}`,
    "--format",
    "{{.Names}} {{.ID}}",
  ]);
  if (!r.ok) throw new Error(`docker ps on ${id} failed`);
  return new Map(
    r.out
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split(" ") as [string, string]),
  );
}

/**
 * Runs `fault` under a steady client over `urls`; returns its summary, once it checked the client
 * kept its rate. When a request failed, prints what the balancers of `spec` on `site` logged
 * around the failures first (each request's server and termination state, each reload).
 */
export async function underSteadyClient(
  urls: string[],
  balancers: { site: SiteLayout; spec: PlatformSpec },
  fault: (client: SteadyClient) => Promise<void>,
): Promise<LoadSummary> {
  const client = new SteadyClient({ targets: urls, rate: 100, timeoutMs: 5000 });
  let samples: Sample[] = [];
  try {
    await new Promise((r) => setTimeout(r, 2000));
    await fault(client);
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    samples = await client.stop();
  }
  const summary = summarize(samples);
  console.log(
    `site: steady client: ${summary.requests} requests at ${summary.rate}/s, ${summary.failed} failed, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`,
  );
  const failed = samples.filter((s) => s.method === "GET" && !ok(s));
  if (failed.length > 0) {
    const from = Math.min(...failed.map((s) => s.sent)) - 3000;
    const to = Math.max(...failed.map((s) => s.done)) + 1000;
    console.error(await balancerLogs(balancers.site, balancers.spec, from, to));
  }
  // A client held up would send nothing during the fault, and see no failure.
  assert.ok(
    summary.rate >= 80,
    `the steady client sent ${summary.rate} requests a second, not 100`,
  );
  return summary;
}

/**
 * What a test prints when the site is not as it waited for: the host's containers as its engine
 * lists them, each balancer's servers, and the checks Consul holds critical.
 */
export async function siteDiagnosis(
  site: SiteLayout,
  spec: PlatformSpec,
  hostId: string,
  credentials: ConsulCredentials | undefined,
): Promise<string> {
  const ps = await dockerOn(site, hostId, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
  const lines = [`${hostId}'s containers:\n${ps.ok ? ps.out : "(its engine does not answer)"}`];
  for (const lb of spec.loadBalancers) {
    const servers = await serversOf(site, spec, lb.id);
    lines.push(`${lb.id}: ${[...servers].map(([k, st]) => `${k} ${st}`).join(", ")}`);
  }
  const consul = { address: spec.masters[0].address, ...credentials };
  const critical = (await consulGet(consul, "/v1/health/state/critical")).out;
  lines.push(`critical in Consul: ${critical}`);
  const host = site.hosts.find((h) => h.id === hostId);
  const checks = host === undefined ? [] : criticalHttpChecksOn(host, critical);
  if (host !== undefined) {
    lines.push(...(await asMastersSeeIt(site, spec, host, checks)));
    lines.push(...(await asTheHostSeesIt(site, host, checks)));
  }
  return lines.join("\n");
}

interface CriticalCheck {
  HTTP: string;
  ServiceID?: string;
}

/** The HTTP checks of Consul's critical list (its JSON answer) that ask `host`. */
function criticalHttpChecksOn(host: SiteHost, critical: string): CriticalCheck[] {
  try {
    return (JSON.parse(critical) as { Definition?: { HTTP?: string }; ServiceID?: string }[])
      .filter((c) => c.Definition?.HTTP?.includes(`//${host.address}:`))
      .map((c) => ({ HTTP: c.Definition!.HTTP!, ServiceID: c.ServiceID }));
  } catch {
    return [];
  }
}

/**
 * How each master reaches `host`'s critical checks (from its own namespace, where consul-esm runs
 * them): each check's answer and times, its neighbour entry for the host, and the last lines of
 * its consul-esm.
 */
async function asMastersSeeIt(
  site: SiteLayout,
  spec: PlatformSpec,
  host: SiteHost,
  checks: CriticalCheck[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const master of site.hosts.filter((h) => spec.masters.some((m) => m.id === h.id))) {
    for (const c of checks) {
      // curl's own error too (stderr): refused, unresolved and timed out look alike in the times
      const r = await inNetns(master, [
        "sh",
        "-c",
        'curl -sS -m 3 -o /dev/null -w "%{http_code} connect %{time_connect} s, total %{time_total} s" "$0" 2>&1',
        c.HTTP,
      ]);
      lines.push(`${master.id} -> ${c.HTTP} (${c.ServiceID}): ${r.out}`);
    }
    const neighbour = await inNetns(master, ["ip", "neigh", "show", host.ip]);
    lines.push(`${master.id} neighbour: ${neighbour.out.trim()}`);
    const esm = await dockerOn(site, master.id, ["ps", "-q", "--filter", "name=consul-esm"]);
    for (const id of esm.out.split("\n").filter((l) => l !== "")) {
      const logs = await dockerOn(site, master.id, ["logs", "--tail", "8", id]);
      lines.push(`${master.id} consul-esm:\n${logs.out}`);
    }
  }
  return lines;
}

/**
 * `host` as it sees itself: what listens, where Docker's NAT sends each published port, its
 * routes, bridge ports and neighbours; its critical checks asked from itself with its connection
 * tracking for their ports; each container's address, start and published ports asked straight at
 * that address; the last log lines of each critical instance.
 */
async function asTheHostSeesIt(
  site: SiteLayout,
  host: SiteHost,
  checks: CriticalCheck[],
): Promise<string[]> {
  const id = host.id;
  const shown = async (what: string, args: string[]) =>
    `${id} ${what}:\n${(await inNetns(host, args)).out}`;
  const lines = [
    await shown("listens on", ["ss", "-ltnp"]),
    await shown("NAT", ["iptables", "-t", "nat", "-S", "DOCKER"]),
    await shown("filter", ["iptables", "-S", "DOCKER"]),
    await shown("routes", ["ip", "route"]),
    await shown("bridge ports", ["bridge", "link", "show"]),
    await shown("neighbours", ["ip", "neigh", "show"]),
  ];
  for (const c of checks) {
    const port = /:(\d+)\//.exec(c.HTTP)?.[1] ?? "";
    const own = await inNetns(host, [
      "sh",
      "-c",
      'curl -sS -m 3 -o /dev/null -w "%{http_code} total %{time_total} s" "$0" 2>&1; grep -c "dport=$1 " /proc/net/nf_conntrack 2>&1; grep "dport=$1 " /proc/net/nf_conntrack 2>&1 | head -5',
      c.HTTP,
      port,
    ]);
    lines.push(`${id} -> ${c.HTTP} from itself, then its conntrack entries:\n${own.out}`);
  }
  const containers = await dockerOn(site, id, ["ps", "-q"]);
  for (const container of containers.out.split("\n").filter((l) => l !== "")) {
    const r = await dockerOn(site, id, [
      "inspect",
      "-f",
      "{{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}{{.State.StartedAt}}",
      container,
    ]);
    lines.push(`${id} container ${r.out.trim()}`);
    // each published port straight to the container's address, past Docker's NAT
    const [name, ip] = r.out.trim().split(" ");
    const ports = await dockerOn(site, id, ["port", container]);
    for (const port of [...ports.out.matchAll(/^(\d+)\/tcp/gm)].map((m) => m[1])) {
      const direct = await inNetns(host, [
        "sh",
        "-c",
        'curl -sS -m 2 -o /dev/null -w "%{http_code}" "http://$0/ping" 2>&1',
        `${ip}:${port}`,
      ]);
      lines.push(`${id} ${name} at ${ip}:${port} directly: ${direct.out}`);
    }
  }
  for (const c of checks.filter((x) => x.ServiceID !== undefined)) {
    // the service logs to stderr, which `docker logs` passes on as such
    const logs = await probe("sh", [
      "-c",
      'docker -H "unix://$0" logs --tail 15 "$1" 2>&1',
      host.dockerSocket,
      c.ServiceID!,
    ]);
    lines.push(`${id} ${c.ServiceID}:\n${logs.out}`);
  }
  return lines;
}

/** The last `lines` log lines of the containers on site host `id` whose names contain `part`. */
async function logsOf(site: SiteLayout, id: string, part: string, lines: number): Promise<string> {
  const ps = await dockerOn(site, id, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
  if (!ps.ok) return `${id}: its engine does not answer`;
  const matching = ps.out.split("\n").filter((l) => l.split(" ")[0].includes(part));
  const out = [];
  for (const line of matching) {
    const name = line.split(" ")[0];
    const logs = await dockerOn(site, id, ["logs", "--tail", String(lines), name]);
    out.push(`${id}: ${line}\n${logs.out}`);
  }
  return out.length > 0 ? out.join("\n") : `${id}: no container named *${part}*`;
}

/**
 * Why slave `victim` is not (or still) in the masters' whitelists: its Consul node's checks and the
 * machine's load, each master's whitelist, the renderers' and the slave's Consul agent's last logs.
 */
export async function whitelistDiagnosis(
  site: SiteLayout,
  spec: PlatformSpec,
  victim: string,
  credentials: ConsulCredentials | undefined,
): Promise<string> {
  const consul = { address: spec.masters[0].address, ...credentials };
  const lines = [await nodeChecks(consul, `${spec.stack}-${victim}`)];
  for (const m of spec.masters) {
    lines.push(`${m.id}'s whitelist: ${(await whitelistOn(spec, m.id))?.join(" ") ?? "(none)"}`);
    lines.push(await logsOf(site, m.id, "whitelist", 10));
  }
  lines.push(await logsOf(site, victim, "consul-agent", 20));
  return lines.join("\n");
}
