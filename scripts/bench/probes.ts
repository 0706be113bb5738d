// Probes of a running stack, from the Docker host: container addresses, HAProxy's stats CSV and
// master CLI, ZooKeeper modes, the Consul leader, agent run records, and fault injection (a crash
// is a SIGKILL of the container's main process from the host, so the restart policy applies;
// `docker kill`/`docker stop` are manual stops that Docker never restarts).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export function docker(...args: string[]): string {
  return execFileSync("docker", args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}
export async function dockerAsync(...args: string[]): Promise<string> {
  return (await execFileAsync("docker", args, { encoding: "utf8" })).stdout.trim();
}
/**
 * The lines `container` logged (stdout, then stderr) since `sinceMs` (epoch ms), each prefixed
 * with Docker's timestamp on the host's clock.
 */
function loggedSince(container: string, sinceMs: number): string[] {
  const r = spawnSync(
    "docker",
    ["logs", "-t", "--since", new Date(sinceMs).toISOString(), container],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  return `${r.stdout}\n${r.stderr}`.split("\n");
}

/**
 * When balancer `lb` logged `server` DOWN after `sinceMs` (epoch ms): Docker's timestamp of the
 * line HAProxy wrote as it changed the server's state, on the host's clock. Undefined if none.
 */
export function downLoggedAt(lb: string, server: string, sinceMs: number): number | undefined {
  const marker = `/${server} is DOWN`;
  for (const line of loggedSince(lb, sinceMs - 1000)) {
    if (!line.includes(marker)) continue;
    const at = Date.parse(line.slice(0, line.indexOf(" ")));
    if (at >= sinceMs) return at;
  }
  return undefined;
}
export function lines(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function eventually<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | undefined>,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what} did not happen within ${seconds}s${last ? `: ${String(last)}` : ""}`);
}

/** Polls `probe` every `everyMs` until it returns true; resolves with the wall-clock time (ms) it first did. */
export async function firstTrue(
  what: string,
  seconds: number,
  probe: () => Promise<boolean>,
  everyMs = 20,
): Promise<number> {
  return eventually(what, seconds, async () => ((await probe()) ? Date.now() : undefined), everyMs);
}

/** Whether `argv` run in `container` (`docker exec`) exits 0. */
export function execSucceeds(container: string, ...argv: string[]): boolean {
  return spawnSync("docker", ["exec", container, ...argv]).status === 0;
}

export function ipOf(container: string): string {
  return docker(
    "inspect",
    "-f",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    container,
  );
}

// ---------------------------------------------------------------------------------------------
// fault injection

/** A crash: SIGKILL of the container's main process from the host. Docker's restart policy applies. Returns the kill time (ms). */
export function crash(container: string): number {
  const pid = docker("inspect", "-f", "{{.State.Pid}}", container);
  if (!/^[1-9]\d*$/.test(pid)) throw new Error(`${container} has no running process (pid ${pid})`);
  const t = Date.now();
  process.kill(Number(pid), "SIGKILL");
  return t;
}

export function restartCount(container: string): number {
  return Number(docker("inspect", "-f", "{{.RestartCount}}", container));
}

export function state(container: string): { status: string; health: string; pid: number } {
  const [status, health, pid] = docker(
    "inspect",
    "-f",
    "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Pid}}",
    container,
  ).split(" ");
  return { status, health, pid: Number(pid) };
}

// ---------------------------------------------------------------------------------------------
// HAProxy

export interface ServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, MAINT, "UP 1/2", "DOWN 1/2", no check... */
  status: string;
  /** Sessions open to the server now (`scur`). */
  open: number;
  /** Times the balancer chose the server since it loaded its configuration (`lbtot`). */
  chosen: number;
}

/** The servers of every backend in HAProxy's stats CSV at `http://lb:8404/stats;csv`. */
export async function haproxyServers(lbIp: string, statsPort = 8404): Promise<ServerStat[]> {
  const res = await fetch(`http://${lbIp}:${statsPort}/stats;csv`, {
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) throw new Error(`stats of ${lbIp}: HTTP ${res.status}`);
  const text = await res.text();
  const [header, ...rows] = text.split("\n").filter((l) => l.trim() !== "");
  const cols = header.replace(/^# /, "").split(",");
  const px = cols.indexOf("pxname");
  const sv = cols.indexOf("svname");
  const st = cols.indexOf("status");
  const scur = cols.indexOf("scur");
  const lbtot = cols.indexOf("lbtot");
  return rows
    .map((r) => r.split(","))
    .filter((c) => c[sv] !== "FRONTEND" && c[sv] !== "BACKEND")
    .map((c) => ({
      backend: c[px],
      server: c[sv],
      status: c[st],
      open: Number(c[scur]),
      chosen: Number(c[lbtot]),
    }));
}

/** Status of `server` on the load balancer: its stats status, or "absent" when the live config has no such server. */
export async function serverStatus(lbIp: string, server: string): Promise<string> {
  const s = (await haproxyServers(lbIp)).find((x) => x.server === server);
  return s ? s.status : "absent";
}

/** True when the balancer sends no new request to `server`: absent, DOWN or in maintenance. */
export function hiddenStatus(status: string): boolean {
  return status === "absent" || /^(DOWN|MAINT|NOLB)/.test(status);
}

/** The master's reload counter (`show proc` on the master CLI). */
export function haproxyReloads(lb: string): number {
  const out = docker(
    "exec",
    lb,
    "sh",
    "-c",
    "echo 'show proc' | socat -t 5 stdio unix-connect:/var/run/haproxy/master.sock",
  );
  const master = lines(out).find((l) => /\bmaster\b/.test(l));
  // <PID> <type> <reloads> <uptime> <version>
  const fields = master?.trim().split(/\s+/) ?? [];
  const n = Number(fields[2]);
  if (!Number.isFinite(n)) throw new Error(`show proc of ${lb}: ${out}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// plain TCP

/** Sends `payload` and resolves with the first line answered (or all that came before close). */
export function tcpLine(
  host: string,
  port: number,
  payload: string | Buffer,
  timeoutMs = 3000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.write(payload));
    let out = "";
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`timeout from ${host}:${port}`)));
    s.on("data", (d) => {
      out += d.toString();
      if (out.includes("\n")) s.end();
    });
    s.on("close", () => resolve(out.trim()));
    s.on("error", reject);
  });
}

// ---------------------------------------------------------------------------------------------
// ZooKeeper and Consul

/** `leader`, `follower`, ... of a ZooKeeper member from its `srvr` four-letter word, or "down". */
export async function zkMode(ip: string): Promise<string> {
  try {
    // srvr answers several lines, then the server closes the connection
    const full = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: ip, port: 2181 }, () => s.write("srvr\n"));
      let buf = "";
      s.setTimeout(500, () => s.destroy(new Error("timeout")));
      s.on("data", (d) => (buf += d.toString()));
      s.on("close", () => resolve(buf));
      s.on("error", reject);
    });
    const m = /^Mode: (\S+)/m.exec(full);
    return m ? m[1] : "down";
  } catch {
    return "down";
  }
}

/** The Consul leader's address as seen by the server at `ip` ("" when it knows none, "down" when it does not answer). */
export async function consulLeader(ip: string): Promise<string> {
  try {
    const res = await fetch(`http://${ip}:8500/v1/status/leader`, {
      signal: AbortSignal.timeout(500),
    });
    if (res.status !== 200) return "";
    return String(JSON.parse(await res.text()));
  } catch {
    return "down";
  }
}

export async function consulGet(ip: string, path: string): Promise<unknown> {
  const res = await fetch(`http://${ip}:8500${path}`, { signal: AbortSignal.timeout(2000) });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${path} from ${ip}: HTTP ${res.status}`);
  return JSON.parse(await res.text());
}

// ---------------------------------------------------------------------------------------------
// scheduled agents

export interface AgentRun {
  instance: string;
  start: number;
  end: number;
  key: string;
  /** `ok`, or what ended the run otherwise (`interrupted`, `lock-lost`, `exit N`, `cycle error: ...`). */
  status: string;
  /** A DIRAC agent's cycles in the run. */
  cycles?: number;
  /** A scheduled (`cycle`) run's firing, in ms; the run starts once it holds the lock. */
  firing?: number;
}

/**
 * The run records under an agent's lock prefix `lockKey` (`<lockKey>/runs/<ts>` =
 * {instance,start,end,status[,cycles,failedCycles]}), read with `consul kv get -recurse`.
 */
export function agentRuns(consulServer: string, lockKey: string): AgentRun[] {
  const out = docker("exec", consulServer, "consul", "kv", "get", "-recurse", `${lockKey}/runs/`);
  return lines(out).map((l) => {
    const i = l.indexOf(":");
    const key = l.slice(0, i);
    const v = JSON.parse(l.slice(i + 1)) as {
      instance: string;
      start: string;
      end: string;
      status: string;
      cycles?: number;
      firing?: string;
    };
    return {
      key,
      instance: v.instance,
      start: Date.parse(v.start),
      end: Date.parse(v.end),
      status: v.status,
      ...(v.cycles === undefined ? {} : { cycles: v.cycles }),
      ...(v.firing === undefined ? {} : { firing: Date.parse(v.firing) }),
    };
  });
}

/** What a container wrote to its standard output since it was created. */
export function containerStdout(container: string): string {
  return execFileSync("docker", ["logs", container], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** What a container wrote, both streams (`docker logs` with `options`), for a failure's report. */
export function containerLogs(container: string, ...options: string[]): string {
  const r = spawnSync("docker", ["logs", ...options, container], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  return `${r.stdout}${r.stderr}`;
}

/**
 * Each container's log lines (both streams, Docker's timestamps) of the `seconds` before `at` (ms),
 * under a line naming it: what the Consul servers said while a write waited, for a failure's
 * report.
 */
export function logsBefore(containers: string[], at: number, seconds = 30): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const window = ["-t", "--since", iso(at - seconds * 1000), "--until", iso(at)];
  return containers
    .map((c) => `--- ${c}, ${seconds} s before ${iso(at)}:\n${containerLogs(c, ...window)}`)
    .join("\n");
}

/**
 * The runs an agent container logged: each `run start NAME ISO INSTANCE` with the `run end` line
 * that followed it, if any (none when the run was killed, or is still going). Also the runs that
 * wrote no record in Consul.
 */
export function agentRunStarts(
  container: string,
  name: string,
): { instance: string; start: number; end?: number }[] {
  const out = containerStdout(container);
  const re = new RegExp(`^run (start|end) ${name.replace(/[/.]/g, "\\$&")} (\\S+) (\\S+)`, "gm");
  const runs: { instance: string; start: number; end?: number }[] = [];
  for (const m of out.matchAll(re)) {
    if (m[1] === "start") runs.push({ start: Date.parse(m[2]), instance: m[3] });
    else if (runs.length > 0 && runs[runs.length - 1].end === undefined)
      runs[runs.length - 1].end = Date.parse(m[2]);
  }
  return runs;
}

/** Pairs of runs that overlap in time (sorted by start); empty when no two runs were ever at once. */
export function overlaps(runs: { instance: string; start: number; end: number }[]): string[] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const bad: string[] = [];
  const show = (r: { instance: string; start: number; end: number }) =>
    `${r.instance} ${new Date(r.start).toISOString()}..${new Date(r.end).toISOString()}`;
  let latest = sorted[0];
  for (const r of sorted.slice(1)) {
    if (r.start < latest.end) bad.push(`${show(latest)} overlaps ${show(r)}`);
    if (r.end > latest.end) latest = r;
  }
  return bad;
}

/**
 * What balancer `lb` logged since `sinceMs` (epoch ms) that explains a failed request: each
 * connection HAProxy logged as ended otherwise than normally (a TCP log line whose termination
 * state is not `--`), with no byte of answer (an instance that closed a call it accepted), or
 * retried; every server state change, every backend left without a server, and its reloads; each
 * line with Docker's timestamp. At most `max` lines, and the counts (of connections logged,
 * abnormal and retried).
 */
export function balancerTrouble(
  lb: string,
  sinceMs: number,
  max = 40,
): { connections: number; abnormal: number; retried: number; lines: string[] } {
  // `<ts> client [date] frontend backend/server Tw/Tc/Tt bytes STATE act/fe/be/srv/retries ...`
  const tcpLog = /\] \S+ \S+\/\S+ \S+ (\d+) (\S+) \d+\/\d+\/\d+\/\d+\/\+?(\d+) /;
  let connections = 0;
  let abnormal = 0;
  let retried = 0;
  const picked: string[] = [];
  for (const line of loggedSince(lb, sinceMs)) {
    const m = tcpLog.exec(line);
    if (m) {
      connections++;
      const bad = m[2] !== "--" || m[1] === "0";
      const retry = Number(m[3]) > 0;
      if (bad) abnormal++;
      if (retry) retried++;
      if (!bad && !retry) continue;
    } else if (!/ is (DOWN|UP)|has no server available|lb-reload/.test(line)) continue;
    if (picked.length < max) picked.push(line);
  }
  return { connections, abnormal, retried, lines: picked };
}
