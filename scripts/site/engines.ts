// Each host's Docker Engine, started in the host's namespace (`nsenter --net`, which keeps the
// machine's cgroup mounts: `ip netns exec` mounts a fresh /sys and dockerd then finds no devices
// cgroup), with its own data root, exec root, socket, pid file and cgroup parent.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { daemonJson, dockerdCommand } from "./files";
import { inNetnsArgs, SiteHost, SiteLayout } from "./layout";
import { livePid, run, running, say, startDetached, succeeds, waitFor } from "./system";

const engineAnswers = (h: SiteHost) =>
  succeeds("docker", [
    "-H",
    `unix://${h.dockerSocket}`,
    "version",
    "--format",
    "{{.Server.Version}}",
  ]);

/**
 * The pid of the host's running engine, from its pid file: undefined where the file names no
 * process, or one that is not this host's dockerd (its pid taken by another process since).
 */
export function enginePid(h: SiteHost): number | undefined {
  const pid = livePid(`${h.runDir}/docker.pid`);
  if (pid === undefined) return undefined;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.includes(`${h.runDir}/docker.pid`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts every host's engine that is not running; returns once each answers on its socket. Pid
 * files of an engine that is not running are removed first: dockerd would not start while
 * another process had the pid they name.
 */
export async function startEngines(site: SiteLayout): Promise<void> {
  for (const h of site.hosts) {
    if (engineAnswers(h)) continue;
    if (enginePid(h) === undefined)
      for (const file of enginePidFiles(h)) rmSync(file, { force: true });
    mkdirSync(h.runDir, { recursive: true });
    mkdirSync(`${h.dataDir}/docker`, { recursive: true });
    writeFileSync(`${h.runDir}/daemon.json`, daemonJson(site));
    startDetached("nsenter", inNetnsArgs(h, dockerdCommand(h)), `${h.runDir}/dockerd.log`);
  }
  const started = Date.now();
  await Promise.all(
    site.hosts.map((h) =>
      waitFor(`the Docker Engine of ${h.id}`, () => engineAnswers(h), 60).catch((e: Error) => {
        throw new Error(`${e.message}; the end of ${h.runDir}/dockerd.log:\n${logTail(h)}`);
      }),
    ),
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`engines: ${site.hosts.length} Docker Engines answer (${seconds} s)`);
}

/** The last lines of the host's engine log, for a message: what it did before it failed to answer. */
function logTail(h: SiteHost, lines = 20): string {
  const log = `${h.runDir}/dockerd.log`;
  if (!existsSync(log)) return "(no log)";
  return readFileSync(log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Stops every engine of the site: SIGTERM (the engine stops its containers), then SIGKILL after
 * 30 s; and any dockerd or containerd left by a run that was killed, found by the site's paths.
 */
export async function stopEngines(site: SiteLayout): Promise<void> {
  const pids = site.hosts.map(enginePid).filter((p): p is number => p !== undefined);
  for (const pid of pids) succeeds("kill", ["-TERM", String(pid)]);
  try {
    await waitFor("the site's engines to stop", () => !pids.some(running), 30);
  } catch {
    for (const pid of pids) succeeds("kill", ["-KILL", String(pid)]);
  }
  // Leftovers: a dockerd whose pid file is gone, the containerd and shims it started.
  killEngineProcessesUnder(site.runDir);
  unmountUnder([site.runDir, site.dataDir]);
  removeCgroups(site);
}

/** Unmounts every mount under `dirs` (the engines' netns and overlay mounts), deepest first. */
function unmountUnder(dirs: string[]): void {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m) => m !== undefined && dirs.some((d) => m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) run("umount", ["-l", m]);
}

/** Kills every dockerd, containerd and shim whose command line names a path under `dir`. */
function killEngineProcessesUnder(dir: string): void {
  for (const name of ["dockerd", "containerd", "containerd-shim-runc-v2"])
    succeeds("pkill", ["-KILL", "-f", `${name} .*${dir}/`]);
}

/** The host's cgroups that exist: `/lhcb-site-<id>` under each controller (v1) or at the root (v2). */
function hostCgroups(host: SiteHost): string[] {
  const root = "/sys/fs/cgroup";
  if (!existsSync(root)) return [];
  const trees = [root, ...readdirSync(root).map((c) => `${root}/${c}`)];
  return trees.map((t) => `${t}/lhcb-site-${host.id}`).filter((d) => existsSync(d));
}

/** The cgroup `dir` and every cgroup below it, deepest first. */
function cgroupTree(dir: string): string[] {
  const below = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => cgroupTree(`${dir}/${e.name}`));
  return [...below, dir];
}

/** The processes in the cgroup `dir` itself. */
function membersOf(dir: string): string[] {
  const procs = `${dir}/cgroup.procs`;
  if (!existsSync(procs)) return [];
  return readFileSync(procs, "utf8")
    .split("\n")
    .filter((p) => p !== "");
}

/**
 * Kills the host as a host dies: every process at once. Its cgroups are frozen first (v1
 * freezer), so that nothing of it forks while it is killed, and on the unified hierarchy killed
 * whole (`cgroup.kill`); then its engine, containerd and shims (found by the host's paths, with or
 * without a pid file) and every process in its cgroups are killed until none is left. Then what a
 * host that died loses with its memory: its engine's mounts (the containers' root file systems,
 * and the bind mounts that keep each container's network namespace), and its containers' links.
 * Its pid files stay, naming no engine: `startEngines` removes them (a host's /run goes with it).
 *
 * The links go by hand: a container's network namespace outlives its processes while the kernel
 * still holds a TCP connection of it (one that was in flight, closed by the kill, retried for
 * minutes over the cut link). Its veth stayed on the host's bridge with its address and its
 * Docker MAC (derived from the address); once the engine was back, a new container given that
 * address shared the MAC, and the bridge sent it the new container's traffic, refused there: a
 * restored slave's published port refused for minutes (docs/site.md). Returns the number of such
 * namespaces whose links were deleted.
 */
export async function killEngine(host: SiteHost): Promise<number> {
  const cgroups = hostCgroups(host).flatMap(cgroupTree);
  setFreezer(cgroups, "FROZEN");
  for (const dir of cgroups)
    if (existsSync(`${dir}/cgroup.kill`)) writeFileSync(`${dir}/cgroup.kill`, "1");
  const pid = enginePid(host);
  if (pid !== undefined) succeeds("kill", ["-KILL", String(pid)]);
  killEngineProcessesUnder(host.runDir);
  const killMembers = () => {
    const left = cgroups.flatMap(membersOf);
    for (const member of left) succeeds("kill", ["-KILL", member]);
    return left.length === 0;
  };
  killMembers();
  setFreezer(cgroups, "THAWED");
  await waitFor(`every process of ${host.id} gone`, killMembers, 10);
  unmountUnder([host.runDir, host.dataDir]);
  // A namespace without a process or a mount goes at once, its veth with it; what is left after
  // a moment is held by the kernel's connections.
  let held: string[] = [];
  try {
    await waitFor(`${host.id}'s containers' links gone`, () => bridgePorts(host).length === 0, 1);
  } catch {
    held = bridgePorts(host);
    for (const port of held) inHost(host, ["ip", "link", "delete", port]);
  }
  const left = bridgePorts(host);
  if (left.length > 0)
    throw new Error(`${host.id}: links left on its bridges after the loss: ${left.join(", ")}`);
  return held.length;
}

/** The pid files of the host's engine and of the containerd it runs. */
function enginePidFiles(host: SiteHost): string[] {
  return [`${host.runDir}/docker.pid`, `${host.runDir}/exec/containerd/containerd.pid`];
}

/** `cmd` run in the host's network namespace; its stdout. */
export function inHost(host: SiteHost, cmd: string[]): string {
  return run("nsenter", inNetnsArgs(host, cmd));
}

/** The ports of the bridges in the host's namespace (the containers' veths), by name. */
function bridgePorts(host: SiteHost): string[] {
  return inHost(host, ["ip", "-o", "link", "show", "type", "bridge_slave"])
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(": ")[1].split("@")[0]);
}

/**
 * Sets the v1 freezer of `cgroups` (those that have one) to `state`; on FROZEN, waits up to 2 s
 * for each to be frozen (a process in the kernel may delay it; it is killed all the same).
 */
function setFreezer(cgroups: string[], state: "FROZEN" | "THAWED"): void {
  const files = cgroups.map((d) => `${d}/freezer.state`).filter((f) => existsSync(f));
  for (const f of files) writeFileSync(f, state);
  const until = Date.now() + 2000;
  while (
    state === "FROZEN" &&
    Date.now() < until &&
    files.some((f) => readFileSync(f, "utf8").trim() !== "FROZEN")
  )
    run("sleep", ["0.05"]);
}

/**
 * Removes the site's cgroups, deepest first, once whatever still runs in them is killed (and
 * gone: up to 5 s per cgroup).
 */
function removeCgroups(site: SiteLayout): void {
  for (const h of site.hosts)
    for (const dir of hostCgroups(h).flatMap(cgroupTree)) {
      const until = Date.now() + 5000;
      let left = membersOf(dir);
      while (left.length > 0 && Date.now() < until) {
        for (const pid of left) succeeds("kill", ["-KILL", pid]);
        run("sleep", ["0.1"]);
        left = membersOf(dir);
      }
      rmdirSync(dir);
    }
}
