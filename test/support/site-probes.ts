// What a test asks of the running site while a steady client runs: every probe is asynchronous,
// so the client's event loop is never held (a held client sends nothing, and sees no failure).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { Site } from "../../components/core/endpoints";
import { PlatformSpec } from "../../components/core/platform-spec";
import { whitelistHostDir } from "../../components/mesos/host-paths";
import { MESOS_PATHS } from "../../components/mesos/mesos-flags";
import { Load, LoadSummary, summarize } from "../../scripts/bench/load";
import { SiteLayout } from "../../scripts/site/layout";

const execFileAsync = promisify(execFile);

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

/** The balancer's servers (`backend/server` → status) from its stats page; empty when it does not answer. */
export async function serversOf(address: string, statsPort: number): Promise<Map<string, string>> {
  const r = await probe("curl", ["-fsS", "-m", "2", `http://${address}:${statsPort}/stats;csv`]);
  const rows = r.out
    .split("\n")
    .map((l) => l.split(","))
    .filter((f) => f[0].startsWith("be_") && !/^(BACKEND|FRONTEND)$/.test(f[1]));
  return new Map(rows.map((f) => [`${f[0]}/${f[1]}`, f[17]]));
}

/** Consul's `serfHealth` status of `node`, asked of the Consul API at `api` (a host's address). */
export async function serfHealth(api: string, node: string): Promise<string> {
  const r = await probe("curl", ["-fsS", "-m", "2", `http://${api}:8500/v1/health/node/${node}`]);
  if (!r.ok) return "unknown";
  const checks = JSON.parse(r.out) as { CheckID: string; Status: string }[];
  return checks.find((c) => c.CheckID === "serfHealth")?.Status ?? "absent";
}

/** The Consul leader's host id as the API at `api` sees it, or undefined when there is none. */
export async function consulLeader(site: SiteLayout, api: string): Promise<string | undefined> {
  const r = await probe("curl", ["-fsS", "-m", "2", `http://${api}:8500/v1/status/leader`]);
  if (!r.ok) return undefined;
  const address = JSON.parse(r.out) as string;
  return site.hosts.find((h) => address.startsWith(`${h.ip}:`))?.id;
}

/** Whether Consul's autopilot, asked at `api`, finds all `servers` servers healthy. */
export async function serversHealthy(api: string, servers: number): Promise<boolean> {
  const r = await probe("curl", [
    "-fsS",
    "-m",
    "2",
    `http://${api}:8500/v1/operator/autopilot/health`,
  ]);
  if (!r.ok) return false;
  const health = JSON.parse(r.out) as { Healthy: boolean; Servers: unknown[] };
  return health.Healthy && health.Servers.length === servers;
}

/** The mode (`leader`, `follower`) of the ZooKeeper member on host `id`, or undefined when it does not serve. */
export async function zookeeperMode(
  site: SiteLayout,
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

/** Runs `fault` under a steady client over `urls`; returns its summary, once it checked the client kept its rate. */
export async function underSteadyClient(
  urls: string[],
  fault: (load: Load) => Promise<void>,
): Promise<LoadSummary> {
  const load = new Load({ targets: urls, rate: 100, timeoutMs: 5000 }).start();
  try {
    await new Promise((r) => setTimeout(r, 2000));
    await fault(load);
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await load.stop();
  }
  const summary = summarize(load.samples);
  console.log(
    `site: steady client: ${summary.requests} requests at ${summary.rate}/s, ${summary.failed} failed, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`,
  );
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
): Promise<string> {
  const ps = await dockerOn(site, hostId, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
  const lines = [`${hostId}'s containers:\n${ps.ok ? ps.out : "(its engine does not answer)"}`];
  for (const lb of spec.loadBalancers) {
    const servers = await serversOf(lb.address, spec.loadBalancer.statsPort);
    lines.push(`${lb.id}: ${[...servers].map(([k, st]) => `${k} ${st}`).join(", ")}`);
  }
  const api = `http://${spec.masters[0].address}:8500/v1/health/state/critical`;
  const critical = (await probe("curl", ["-fsS", "-m", "2", api])).out;
  lines.push(`critical in Consul: ${critical}`);
  lines.push(...(await asMastersSeeIt(site, spec, hostId, critical)));
  return lines.join("\n");
}

/**
 * How each master reaches what Consul holds critical on `hostId` (from its own namespace, where
 * consul-esm runs its checks): each HTTP check's answer and times, its neighbour entry for the
 * host, and the last lines of its consul-esm.
 */
async function asMastersSeeIt(
  site: SiteLayout,
  spec: PlatformSpec,
  hostId: string,
  critical: string,
): Promise<string[]> {
  const host = site.hosts.find((h) => h.id === hostId);
  let checks: { HTTP?: string; ServiceID?: string }[] = [];
  try {
    checks = (JSON.parse(critical) as { Definition?: { HTTP?: string }; ServiceID?: string }[])
      .map((c) => ({ HTTP: c.Definition?.HTTP, ServiceID: c.ServiceID }))
      .filter((c) => c.HTTP !== undefined && c.HTTP.includes(`//${host?.address}:`));
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const master of site.hosts.filter((h) => spec.masters.some((m) => m.id === h.id))) {
    const inNs = (args: string[]) =>
      probe("nsenter", [`--net=/var/run/netns/${master.netns}`, ...args]);
    for (const c of checks) {
      // curl's own error too (stderr): refused, unresolved and timed out look alike in the times
      const r = await inNs([
        "sh",
        "-c",
        'curl -sS -m 3 -o /dev/null -w "%{http_code} connect %{time_connect} s, total %{time_total} s" "$0" 2>&1',
        c.HTTP!,
      ]);
      lines.push(`${master.id} -> ${c.HTTP} (${c.ServiceID}): ${r.out}`);
    }
    lines.push(
      `${master.id} neighbour: ${(await inNs(["ip", "neigh", "show", host?.ip ?? ""])).out.trim()}`,
    );
    const esm = await dockerOn(site, master.id, ["ps", "-q", "--filter", "name=consul-esm"]);
    for (const id of esm.out.split("\n").filter((l) => l !== "")) {
      const logs = await dockerOn(site, master.id, ["logs", "--tail", "8", id]);
      lines.push(`${master.id} consul-esm:\n${logs.out}`);
    }
  }
  if (host !== undefined) {
    const inHost = (args: string[]) =>
      probe("nsenter", [`--net=/var/run/netns/${host.netns}`, ...args]);
    lines.push(`${hostId} listens on:\n${(await inHost(["ss", "-ltnp"])).out}`);
    // Published ports: where Docker's NAT sends each, beside where its containers are now.
    lines.push(`${hostId} NAT:\n${(await inHost(["iptables", "-t", "nat", "-S", "DOCKER"])).out}`);
    lines.push(`${hostId} filter:\n${(await inHost(["iptables", "-S", "DOCKER"])).out}`);
    // Where the host sends its containers' addresses: routes, bridges, their ports and MACs.
    lines.push(`${hostId} routes:\n${(await inHost(["ip", "route"])).out}`);
    lines.push(`${hostId} bridge ports:\n${(await inHost(["bridge", "link", "show"])).out}`);
    lines.push(`${hostId} neighbours:\n${(await inHost(["ip", "neigh", "show"])).out}`);
    // The same checks from the host itself, and what its connection tracking holds for them.
    for (const c of checks) {
      const port = /:(\d+)\//.exec(c.HTTP!)?.[1] ?? "";
      const own = await inHost([
        "sh",
        "-c",
        'curl -sS -m 3 -o /dev/null -w "%{http_code} total %{time_total} s" "$0" 2>&1; grep -c "dport=$1 " /proc/net/nf_conntrack 2>&1; grep "dport=$1 " /proc/net/nf_conntrack 2>&1 | head -5',
        c.HTTP!,
        port,
      ]);
      lines.push(`${hostId} -> ${c.HTTP} from itself, then its conntrack entries:\n${own.out}`);
    }
    const ips = await dockerOn(site, hostId, ["ps", "-q"]);
    for (const id of ips.out.split("\n").filter((l) => l !== "")) {
      const r = await dockerOn(site, hostId, [
        "inspect",
        "-f",
        "{{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}{{.State.StartedAt}}",
        id,
      ]);
      lines.push(`${hostId} container ${r.out.trim()}`);
      // each published port straight to the container's address, past Docker's NAT
      const [cname, ip] = r.out.trim().split(" ");
      const ports = await dockerOn(site, hostId, ["port", id]);
      for (const port of [...ports.out.matchAll(/^(\d+)\/tcp/gm)].map((m) => m[1])) {
        const direct = await inHost([
          "sh",
          "-c",
          'curl -sS -m 2 -o /dev/null -w "%{http_code}" "http://$0/ping" 2>&1',
          `${ip}:${port}`,
        ]);
        lines.push(`${hostId} ${cname} at ${ip}:${port} directly: ${direct.out}`);
      }
    }
  }
  for (const c of checks.filter((x) => x.ServiceID !== undefined)) {
    // the service logs to stderr
    const h = site.hosts.find((x) => x.id === hostId)!;
    const logs = await probe("sh", [
      "-c",
      'docker -H "unix://$0" logs --tail 15 "$1" 2>&1',
      h.dockerSocket,
      c.ServiceID!,
    ]);
    lines.push(`${hostId} ${c.ServiceID}:\n${logs.out}`);
  }
  return lines;
}
