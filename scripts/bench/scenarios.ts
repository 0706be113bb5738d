// The promises of the platform as measurements against a running stack. Each scenario injects one
// fault (or change) under a steady client and returns what happened: the figures the benchmark
// prints and the facts the tests assert. Times are wall-clock milliseconds from the fault.
import { Load, LoadSummary, Sample, firstAnswerFrom, summarize } from "./load";
import { startCpuHog } from "./cpu-hog";
import { disetCall } from "./diset";
import { Platform } from "./platform";
import { agentLockKey } from "../../components/agents/agent-containers";
import { backendName, FALLBACK_SUFFIX } from "../../components/haproxy/haproxy-config";
import {
  agentRunStarts,
  agentRuns,
  consulLeader,
  crash,
  containerStdout,
  docker,
  dockerAsync,
  downLoggedAt,
  eventually,
  firstTrue,
  haproxyReloads,
  haproxyServers,
  hiddenStatus,
  restartCount,
  serverStatus,
  sleep,
  state,
  tcpLine,
  zkMode,
} from "./probes";

/** The local catalog's HTTP service: the sample service, which echoes its instance and client. */
export const HTTP_SERVICE = "sample-web";
export const HTTP_PORT = 9162;

/** The local catalog's TCP service that reads the client's address from the PROXY protocol: the sample service. */
export const PROXIED_SERVICE = "sample-proxied";
export const PROXIED_PORT = 9170;

/** DIRAC's services in the local catalog: their key, port and DIRAC name. */
export const DIRAC_SERVICES = [
  { key: "configuration-server", port: 9135, name: "Configuration/Server" },
  { key: "datamanagement-storageelement", port: 9148, name: "DataManagement/StorageElement" },
  { key: "resourcestatus-resourcestatus", port: 9160, name: "ResourceStatus/ResourceStatus" },
] as const;

export function httpTargets(p: Platform, lbs = p.lbs): string[] {
  return lbs.map((lb) => `http://${p.ip(lb)}:${HTTP_PORT}/`);
}

/** DISET targets of the steady client: each DIRAC service through each balancer at `addresses` (load.ts). */
export function diracTargets(addresses: string[]): string[] {
  return addresses.flatMap((a) => DIRAC_SERVICES.map((d) => `dip://${a}:${d.port}/${d.name}`));
}

/**
 * Waits until every balancer has every instance of every service UP and its unchecked fallback
 * ready (`no check`): no fault left over from a previous scenario.
 */
export async function waitAllServing(p: Platform, seconds = 90): Promise<void> {
  const expected = Object.values(p.instances).flat().sort();
  const fallbacks = expected.map((i) => `${i}${FALLBACK_SUFFIX}`);
  for (const lb of p.lbs) {
    const ip = p.ip(lb);
    await eventually(`${lb} has every instance UP`, seconds, async () => {
      const servers = await haproxyServers(ip);
      const named = (status: string) =>
        servers
          .filter((s) => s.status === status)
          .map((s) => s.server)
          .sort();
      const up = named("UP");
      if (up.join() !== expected.join()) throw new Error(`UP: ${up.join(" ")}`);
      // and each instance's fallback ready to take its clients should the checks hide them all
      const ready = named("no check");
      if (ready.join() !== fallbacks.join()) throw new Error(`fallbacks ready: ${ready.join(" ")}`);
      return true;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 1. every balancer reaches every healthy instance, and the service sees the client

export interface Reach {
  lb: string;
  service: string;
  instances: string[];
  clients: string[];
}

/** The address the Docker host (this client) has on the stack's network, as the services should see it. */
export function hostAddressOn(p: Platform): string {
  const net = docker(
    "inspect",
    "-f",
    "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}",
    p.lbs[0],
  );
  return docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", net);
}

export async function reachEveryInstance(p: Platform, requestsPerService = 24): Promise<Reach[]> {
  const out: Reach[] = [];
  for (const lb of p.lbs) {
    const ip = p.ip(lb);
    // HTTP: HAProxy balances each request, also on a kept-alive connection
    const http: Reach = { lb, service: HTTP_SERVICE, instances: [], clients: [] };
    for (let i = 0; i < requestsPerService; i++) {
      const res = await fetch(`http://${ip}:${HTTP_PORT}/`, { signal: AbortSignal.timeout(3000) });
      const body = JSON.parse(await res.text()) as { instance: string; client: string };
      http.instances.push(body.instance);
      http.clients.push(body.client);
    }
    out.push(http);
    // TCP with the PROXY protocol: one line per connection; roundrobin moves each new connection on
    const proxied: Reach = { lb, service: PROXIED_SERVICE, instances: [], clients: [] };
    for (let i = 0; i < requestsPerService; i++) {
      const body = JSON.parse(await tcpLine(ip, PROXIED_PORT, "hello\n")) as {
        instance: string;
        client: string;
      };
      proxied.instances.push(body.instance);
      proxied.clients.push(body.client);
    }
    out.push(proxied);
    for (const dirac of DIRAC_SERVICES)
      out.push(await reachDiracService(p, lb, dirac, requestsPerService));
  }
  return out;
}

/**
 * DISET pings of a DIRAC service through `lb`, every one answered by the service named. DISET's
 * answer names no instance, so the instances reached are the balancer's count of the times it
 * chose each server (`lbtot`) during the pings, one entry per time.
 */
async function reachDiracService(
  p: Platform,
  lb: string,
  dirac: (typeof DIRAC_SERVICES)[number],
  pings: number,
): Promise<Reach> {
  const ip = p.ip(lb);
  const chosen = async () =>
    new Map((await haproxyServers(ip)).map((s) => [s.server, s.chosen] as const));
  const before = await chosen();
  for (let i = 0; i < pings; i++) {
    const r = await disetCall(ip, dirac.port, dirac.name, "ping", [], 3000);
    const name = (r.Value as { name?: string } | undefined)?.name;
    if (!r.OK || name !== dirac.name)
      throw new Error(`${lb}: ping of ${dirac.name}: ${JSON.stringify(r).slice(0, 200)}`);
  }
  const after = await chosen();
  const instances = p.instances[dirac.key].flatMap((server) =>
    Array<string>(Math.max(0, (after.get(server) ?? 0) - (before.get(server) ?? 0))).fill(server),
  );
  return { lb, service: dirac.key, instances, clients: [] };
}

// ---------------------------------------------------------------------------------------------
// helpers for faults under load

/** Polls every balancer's stats until `server` is hidden on all of them; resolves with the time per balancer. */
export async function hiddenOnEvery(
  p: Platform,
  server: string,
  seconds: number,
  hidden: (status: string) => boolean = hiddenStatus,
): Promise<Record<string, number>> {
  const times = await Promise.all(
    p.lbs.map((lb) =>
      firstTrue(`${server} hidden on ${lb}`, seconds, async () =>
        hidden(await serverStatus(p.ip(lb), server)),
      ),
    ),
  );
  return Object.fromEntries(p.lbs.map((lb, i) => [lb, times[i]]));
}

export async function withLoad<T>(
  p: Platform,
  lbs: string[],
  body: (load: Load) => Promise<T>,
  opts: { timeoutMs?: number; rate?: number; postEvery?: number; targets?: string[] } = {},
): Promise<{ result: T; samples: Sample[]; load: LoadSummary }> {
  const load = new Load({
    targets: opts.targets ?? httpTargets(p, lbs),
    rate: opts.rate ?? 200,
    timeoutMs: opts.timeoutMs,
    postEvery: opts.postEvery,
  }).start();
  try {
    await sleep(1500);
    const result = await body(load);
    await sleep(1500);
    const samples = await load.stop();
    return { result, samples, load: summarize(samples) };
  } catch (e) {
    await load.stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// 2. crash of an instance under a steady client

export interface KillResult {
  victim: string;
  /** Kill to hidden on every balancer (the slowest), as the stats poll saw it. */
  hiddenMs: number;
  hiddenMsByLb: Record<string, number>;
  /**
   * Kill to each balancer's own "is DOWN" log line (Docker's timestamp of it), where there is
   * one: when HAProxy changed the server's state, free of the poll's own delays.
   */
  downLoggedMsByLb: Record<string, number | undefined>;
  /** Kill to the first answer from the restarted instance through a balancer. */
  servingAgainMs: number;
  /** Kill to Docker having started the container again. */
  restartedMs: number;
  restarted: boolean;
  load: LoadSummary;
  /**
   * Requests whose response had begun (status line received) and was cut: sent before the kill,
   * ended after it. No proxy can retry a response it has begun to forward; the service writes
   * each response whole in one write so that there are none.
   */
  cutByCrash: number;
}

export async function killInstance(p: Platform, victim: string): Promise<KillResult> {
  const restartsBefore = restartCount(victim);
  const { result, load, samples } = await withLoad(p, p.lbs, async (l) => {
    const killedAt = crash(victim);
    const hidden = await hiddenOnEvery(p, victim, 30);
    const back = await eventually(
      `${victim} serving again`,
      60,
      async () => firstAnswerFrom(l.samples, victim, killedAt),
      50,
    );
    return { killedAt, hidden, back };
  });
  const hiddenMsByLb = Object.fromEntries(
    Object.entries(result.hidden).map(([lb, t]) => [lb, t - result.killedAt]),
  );
  const downLoggedMsByLb = Object.fromEntries(
    p.lbs.map((lb) => {
      const at = downLoggedAt(lb, victim, result.killedAt);
      return [lb, at === undefined ? undefined : at - result.killedAt];
    }),
  );
  return {
    victim,
    hiddenMs: Math.max(...Object.values(hiddenMsByLb)),
    hiddenMsByLb,
    downLoggedMsByLb,
    servingAgainMs: result.back.done - result.killedAt,
    restartedMs:
      Date.parse(docker("inspect", "-f", "{{.State.StartedAt}}", victim)) - result.killedAt,
    restarted: restartCount(victim) > restartsBefore,
    load,
    cutByCrash: samples.filter(
      (s) =>
        s.status === 200 &&
        s.error !== undefined &&
        s.sent <= result.killedAt &&
        s.done >= result.killedAt,
    ).length,
  };
}

/** `docker kill` is a manual stop: Docker does not restart the container, whatever its restart policy. */
export async function dockerKillStaysDown(
  victim: string,
  watchMs = 8000,
): Promise<{ status: string; restarts: number }> {
  const before = restartCount(victim);
  docker("kill", victim);
  await sleep(watchMs);
  const s = state(victim).status;
  const restarts = restartCount(victim) - before;
  return { status: s, restarts };
}

// ---------------------------------------------------------------------------------------------
// 3. a hung instance (docker pause)

export interface PauseResult {
  victim: string;
  hiddenMs: number;
  hiddenMsByLb: Record<string, number>;
  /** How long the instance stayed hung, all of it under the client. */
  pausedMs: number;
  /** Unpause (after the client stopped) to UP again on every balancer. */
  servingAgainMs: number;
  load: LoadSummary;
}

/** A client's timeout in the hang scenario: the hang outlasts it, so a request left waiting on the hung instance fails. */
export const CLIENT_TIMEOUT_MS = 5000;

/**
 * A hang that outlasts any client's patience: the instance is paused and stays paused while the
 * client runs for its whole timeout and more after the instance was hidden, and is resumed only
 * once the client stopped. A request the hung instance took before it was hidden gets no answer
 * from it: it must be retried on another instance after the service's `requestTimeoutSeconds`
 * (shorter than the client's timeout), or it fails.
 */
export async function pauseInstance(p: Platform, victim: string): Promise<PauseResult> {
  let pausedAt = 0;
  const { result, load } = await withLoad(
    p,
    p.lbs,
    async () => {
      // The cgroup freezer may fail to freeze while a process is being started in the container: try again.
      for (let attempt = 1; pausedAt === 0; attempt++) {
        const t = Date.now();
        try {
          await dockerAsync("pause", victim);
          pausedAt = t;
        } catch (e) {
          if (attempt >= 5) throw e;
          await sleep(200);
        }
      }
      const hidden = await hiddenOnEvery(p, victim, 30);
      await sleep(CLIENT_TIMEOUT_MS + 1000);
      return { hidden };
    },
    // One request in ten is a POST: not retried on another instance, so those the hung one held fail (counted apart).
    { timeoutMs: CLIENT_TIMEOUT_MS, postEvery: 10 },
  ).catch(async (e) => {
    if (pausedAt !== 0) await dockerAsync("unpause", victim);
    throw e;
  });
  const pausedMs = Date.now() - pausedAt;
  await dockerAsync("unpause", victim);
  const unpausedAt = Date.now();
  const up = await Promise.all(
    p.lbs.map((lb) =>
      firstTrue(
        `${victim} UP again on ${lb}`,
        60,
        async () => (await serverStatus(p.ip(lb), victim)) === "UP",
      ),
    ),
  );
  const hiddenMsByLb = Object.fromEntries(
    Object.entries(result.hidden).map(([lb, t]) => [lb, t - pausedAt]),
  );
  return {
    victim,
    hiddenMs: Math.max(...Object.values(hiddenMsByLb)),
    hiddenMsByLb,
    pausedMs,
    servingAgainMs: Math.max(...up) - unpausedAt,
    load,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. a health check that starts failing: Consul → consul-template → HAProxy reload

export interface HealthResult {
  victim: string;
  /** Health change to a live config without the instance, on every balancer. */
  configLiveMs: number;
  configLiveMsByLb: Record<string, number>;
  /** Consul's view: the check critical. */
  consulCriticalMs: number;
  /** Back to ok: to a live config with the instance again. */
  backLiveMs: number;
  reloads: Record<string, number>;
  load: LoadSummary;
}

async function setHealth(p: Platform, victim: string, state: "fail" | "ok"): Promise<void> {
  const res = await fetch(`http://${p.ip(victim)}:${HTTP_PORT}/admin/health?state=${state}`, {
    method: "POST",
    signal: AbortSignal.timeout(3000),
  });
  if (res.status !== 200) throw new Error(`health ${state} of ${victim}: HTTP ${res.status}`);
}

/** Status of the check of instance `serviceId` (registered as the service key) in Consul's catalog. */
async function checkStatus(
  consulIp: string,
  serviceKey: string,
  serviceId: string,
): Promise<string> {
  const res = await fetch(`http://${consulIp}:8500/v1/health/checks/${serviceKey}`, {
    signal: AbortSignal.timeout(1000),
  });
  const checks = JSON.parse(await res.text()) as { ServiceID: string; Status: string }[];
  return checks.find((c) => c.ServiceID === serviceId)?.Status ?? "absent";
}

export async function failHealth(p: Platform, victim: string): Promise<HealthResult> {
  const consulIp = p.ip(p.consulServers[0]);
  const reloadsBefore = Object.fromEntries(p.lbs.map((lb) => [lb, haproxyReloads(lb)]));
  const { result, load } = await withLoad(p, p.lbs, async () => {
    const t0 = Date.now();
    await setHealth(p, victim, "fail");
    const [critical, live] = await Promise.all([
      firstTrue(
        `${victim} critical in Consul`,
        30,
        async () => (await checkStatus(consulIp, HTTP_SERVICE, victim)) === "critical",
      ),
      hiddenOnEvery(p, victim, 30, (s) => s === "absent"),
    ]);
    await sleep(1000);
    const t1 = Date.now();
    await setHealth(p, victim, "ok");
    const back = await Promise.all(
      p.lbs.map((lb) =>
        firstTrue(
          `${victim} back in ${lb}'s config`,
          30,
          async () => (await serverStatus(p.ip(lb), victim)) !== "absent",
        ),
      ),
    );
    return { t0, critical, live, t1, back };
  });
  const configLiveMsByLb = Object.fromEntries(
    Object.entries(result.live).map(([lb, t]) => [lb, t - result.t0]),
  );
  return {
    victim,
    configLiveMs: Math.max(...Object.values(configLiveMsByLb)),
    configLiveMsByLb,
    consulCriticalMs: result.critical - result.t0,
    backLiveMs: Math.max(...result.back) - result.t1,
    reloads: Object.fromEntries(p.lbs.map((lb) => [lb, haproxyReloads(lb) - reloadsBefore[lb]])),
    load,
  };
}

/** Every instance of a service failing its checks at once, under a steady client. */
export interface AllFailingResult {
  /** Health change to every balancer's live config holding the instances as fallbacks only. */
  fallbackOnlyMs: number;
  /** Back to ok: to every instance checked again on every balancer. */
  backMs: number;
  load: LoadSummary;
}

/**
 * Fails the health checks of every instance of the HTTP service at once (they keep answering
 * other requests): Consul holds them all critical and the balancers' checks hide them all, so
 * each balancer's live config keeps them as fallbacks only. The client keeps running for
 * `holdMs` in that state; then the checks pass again.
 */
export async function failEveryHealth(p: Platform, holdMs = 3000): Promise<AllFailingResult> {
  const instances = p.instances[HTTP_SERVICE];
  // What a balancer's live config holds of the service: `<server> <status>` each; the probe
  // throws it while the balancer is not there yet, so a timeout says where it stood.
  const reaches = (lb: string, want: (status: (id: string) => string | undefined) => boolean) =>
    firstTrue(`${lb}: ${HTTP_SERVICE}'s servers as wanted`, 30, async () => {
      const servers = (await haproxyServers(p.ip(lb))).filter(
        (x) => x.backend === backendName({ key: HTTP_SERVICE }),
      );
      if (want((id) => servers.find((x) => x.server === id)?.status)) return true;
      throw new Error(servers.map((x) => `${x.server} ${x.status}`).join(", "));
    });
  const fallbacksOnly = (status: (id: string) => string | undefined) =>
    instances.every(
      (i) => status(i) === undefined && status(`${i}${FALLBACK_SUFFIX}`) === "no check",
    );
  const checkedUp = (status: (id: string) => string | undefined) =>
    instances.every((i) => status(i) === "UP");
  const setAll = (state: "fail" | "ok") =>
    Promise.all(instances.map((i) => setHealth(p, i, state)));
  try {
    const { result, load } = await withLoad(p, p.lbs, async () => {
      const t0 = Date.now();
      await setAll("fail");
      const fallbackOnly = await Promise.all(p.lbs.map((lb) => reaches(lb, fallbacksOnly)));
      await sleep(holdMs);
      const t1 = Date.now();
      await setAll("ok");
      const back = await Promise.all(p.lbs.map((lb) => reaches(lb, checkedUp)));
      return { t0, fallbackOnly, t1, back };
    });
    return {
      fallbackOnlyMs: Math.max(...result.fallbackOnly) - result.t0,
      backMs: Math.max(...result.back) - result.t1,
      load,
    };
  } finally {
    // Whatever happened, the instances pass their checks again for the scenarios after this one.
    await setAll("ok");
  }
}

export interface ReloadsResult {
  lb: string;
  reloads: number;
  load: LoadSummary;
}

/**
 * `count` reloads in a row of one balancer under load (`rate` requests a second), through its real
 * reload path: a candidate that differs from the live config (a comment added), `lb-reload` checks
 * it with `haproxy -c`, swaps it in and reloads the master through its CLI. With `hogCores`, that
 * many processes spin at normal priority meanwhile: a busy machine.
 */
export async function reloadsInARow(
  p: Platform,
  lb: string,
  count = 100,
  opts: { rate?: number; hogCores?: number; gapMs?: number } = {},
): Promise<ReloadsResult> {
  const before = haproxyReloads(lb);
  const stopHog = opts.hogCores ? startCpuHog(opts.hogCores) : () => undefined;
  try {
    const { load } = await withLoad(
      p,
      [lb],
      async () => {
        for (let i = 0; i < count; i++) {
          const out = await dockerAsync(
            "exec",
            lb,
            "sh",
            "-c",
            `echo '# promises reload ${i} ${Date.now()}' >> /etc/haproxy/candidate.cfg && /usr/local/bin/lb-reload`,
          );
          if (!/lb-reload: reloaded/.test(out)) throw new Error(`reload ${i} of ${lb}: ${out}`);
          await sleep(opts.gapMs ?? 100);
        }
      },
      { rate: opts.rate },
    );
    return { lb, reloads: haproxyReloads(lb) - before, load };
  } finally {
    stopHog();
  }
}

// ---------------------------------------------------------------------------------------------
// 5. quorum members

export interface LeaderResult {
  killed: string;
  /** Kill to a new leader the surviving members agree on. */
  newLeaderMs: number;
  newLeader: string;
}

export async function zkLeaderOf(p: Platform): Promise<string | undefined> {
  const modes = await Promise.all(p.zookeepers.map((z) => zkMode(p.ip(z))));
  const leaders = p.zookeepers.filter((_, i) => modes[i] === "leader");
  const followers = modes.filter((m) => m === "follower").length;
  return leaders.length === 1 && followers === p.zookeepers.length - 1 ? leaders[0] : undefined;
}

export async function killZkLeader(p: Platform): Promise<LeaderResult> {
  const leader = await eventually("a ZooKeeper leader with every follower", 120, () =>
    zkLeaderOf(p),
  );
  const others = p.zookeepers.filter((z) => z !== leader).map((z) => ({ z, ip: p.ip(z) }));
  const killedAt = crash(leader);
  let newLeader = "";
  const t = await firstTrue("a new ZooKeeper leader", 60, async () => {
    const modes = await Promise.all(others.map((o) => zkMode(o.ip)));
    const i = modes.indexOf("leader");
    if (i < 0 || !modes.every((m) => m === "leader" || m === "follower")) return false;
    newLeader = others[i].z;
    return true;
  });
  // leave the ensemble whole for what comes next
  await eventually("the killed ZooKeeper member back as a follower", 120, () => zkLeaderOf(p));
  return { killed: leader, newLeaderMs: t - killedAt, newLeader };
}

async function consulLeaderName(
  p: Platform,
  servers: { name: string; ip: string }[],
): Promise<string | undefined> {
  const leaders = await Promise.all(servers.map((s) => consulLeader(s.ip)));
  const answered = leaders.filter((l) => l !== "down");
  if (answered.length === 0 || answered.some((l) => l === "" || l !== answered[0]))
    return undefined;
  const leaderIp = answered[0].split(":")[0];
  return p.consulServers.find((s) => p.ip(s) === leaderIp) ?? answered[0];
}

export async function consulLeaderOf(p: Platform): Promise<string | undefined> {
  return consulLeaderName(
    p,
    p.consulServers.map((name) => ({ name, ip: p.ip(name) })),
  );
}

async function consulWhole(p: Platform): Promise<string> {
  return eventually("a Consul leader and every server a voter", 120, async () => {
    const leader = await consulLeaderOf(p);
    if (!leader) return undefined;
    const peers = docker("exec", leader, "consul", "operator", "raft", "list-peers")
      .split("\n")
      .slice(1);
    // Node ID Address State Voter ...
    const rows = peers.map((l) => l.trim().split(/\s+/));
    return rows.length === p.consulServers.length &&
      rows.every((c) => c[4] === "true" && (c[3] === "leader" || c[3] === "follower"))
      ? leader
      : undefined;
  });
}

/** True once a Consul server at `ip` accepts a write again: there is a leader, whichever it is. */
async function consulWrites(ip: string): Promise<boolean> {
  const res = await fetch(`http://${ip}:8500/v1/kv/bench/leader-probe`, {
    method: "PUT",
    body: String(Date.now()),
    signal: AbortSignal.timeout(1000),
  }).catch(() => undefined);
  return res?.status === 200;
}

/**
 * Crashes one Consul server (`which`: the leader, or a follower). For the leader: the time until
 * the others accept writes again, which takes a leader; Docker restarts the crashed server within
 * about half a second, so the election may make it the leader again.
 */
export async function killConsulServer(
  p: Platform,
  which: "leader" | "follower",
): Promise<LeaderResult & { leaderless: boolean }> {
  const leader = await consulWhole(p);
  const victim = which === "leader" ? leader : p.consulServers.find((s) => s !== leader)!;
  const others = p.consulServers
    .filter((s) => s !== victim)
    .map((name) => ({ name, ip: p.ip(name) }));
  const killedAt = crash(victim);
  let newLeader = "";
  let leaderless = false;
  const t = await firstTrue("a Consul leader among the others", 60, async () => {
    if (which === "follower") {
      const l = await consulLeaderName(p, others);
      if (l === undefined || l === victim) {
        leaderless = true;
        return false;
      }
      newLeader = l;
      return true;
    }
    if (!(await consulWrites(others[0].ip))) {
      leaderless = true;
      return false;
    }
    newLeader = (await consulLeaderName(p, others)) ?? "?";
    return true;
  });
  if (which === "follower") {
    // the cluster must keep its leader while the follower is away: watch it for a few seconds
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const l = await consulLeaderName(p, others);
      if (l !== leader) leaderless = true;
      await sleep(100);
    }
  }
  await consulWhole(p);
  return { killed: victim, newLeaderMs: t - killedAt, newLeader, leaderless };
}

// ---------------------------------------------------------------------------------------------
// 7. scheduled agents

export interface AgentRunsView {
  /** Every run: the records in Consul, and runs killed before writing theirs ending at the kill. */
  runs: { instance: string; start: number; end: number; recorded: boolean }[];
  records: number;
}

/** The runs of agent `name` since `since` (ms), from Consul's run records and the containers' logs. */
export function agentRunsSince(
  p: Platform,
  agentKey: string,
  name: string,
  since: number,
  kills: { container: string; at: number }[],
): AgentRunsView {
  const lockKey = agentLockKey({ stack: p.stack }, { key: agentKey });
  const records = agentRuns(p.consulServers[0], lockKey).filter((r) => r.start >= since);
  const runs: AgentRunsView["runs"] = records.map((r) => ({
    instance: r.instance,
    start: r.start,
    end: r.end,
    recorded: true,
  }));
  for (const container of p.agents[agentKey]) {
    for (const s of agentRunStarts(container, name).filter((x) => x.start >= since)) {
      if (records.some((r) => r.instance === s.instance && Math.abs(r.start - s.start) < 2))
        continue;
      // A run without a record: it ended when it logged so (its record write failed), or when its
      // container was killed mid-run, or it is still going.
      const kill = kills
        .filter((k) => k.container === container && k.at >= s.start)
        .sort((a, b) => a.at - b.at)[0];
      runs.push({
        instance: s.instance,
        start: s.start,
        end: s.end ?? (kill ? kill.at : Date.now()),
        recorded: false,
      });
    }
  }
  return { runs: runs.sort((a, b) => a.start - b.start), records: records.length };
}

/** The container holding the agent's lock now (from the lock key's value), if any. */
export async function agentLockHolder(p: Platform, agentKey: string): Promise<string | undefined> {
  const ip = p.ip(p.consulServers[0]);
  const res = await fetch(`http://${ip}:8500/v1/kv/platform/${p.stack}/agents/${agentKey}/.lock`, {
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) return undefined;
  const [kv] = JSON.parse(await res.text()) as { Session?: string; Value?: string }[];
  if (!kv.Session || !kv.Value) return undefined;
  return (JSON.parse(Buffer.from(kv.Value, "base64").toString()) as { instance: string }).instance;
}

/** Whether DIRAC's agent `name` runs in `container` now (a `dirac-agent` process of it). */
export function runsDiracAgent(container: string, name: string): boolean {
  if (state(container).status !== "running") return false;
  return docker("top", container, "-o", "pid,args").includes(`dirac-agent ${name}`);
}

/** The cycles DIRAC's agents logged in `container` since it was created. */
export function diracCycles(container: string): number {
  return containerStdout(container).split("Starting cycle for module").length - 1;
}
