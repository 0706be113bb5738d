// Each host's Docker Engine, started in the host's namespace (`nsenter --net`, which keeps the
// machine's cgroup mounts: `ip netns exec` mounts a fresh /sys and dockerd then finds no devices
// cgroup), with its own data root, exec root, socket, pid file and cgroup parent.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { daemonJson, dockerdArgs } from "./files";
import { SiteHost, SiteLayout } from "./layout";
import { run, say, startDetached, succeeds, waitFor } from "./system";

const engineAnswers = (h: SiteHost) =>
  succeeds("docker", [
    "-H",
    `unix://${h.dockerSocket}`,
    "version",
    "--format",
    "{{.Server.Version}}",
  ]);

/** Starts every host's engine that is not running; returns once each answers on its socket. */
export async function startEngines(site: SiteLayout): Promise<void> {
  for (const h of site.hosts) {
    if (engineAnswers(h)) continue;
    mkdirSync(h.runDir, { recursive: true });
    mkdirSync(`${h.dataDir}/docker`, { recursive: true });
    writeFileSync(`${h.runDir}/daemon.json`, daemonJson(site));
    startDetached(
      "nsenter",
      [`--net=/var/run/netns/${h.netns}`, "dockerd", ...dockerdArgs(h)],
      `${h.runDir}/dockerd.log`,
    );
  }
  await Promise.all(
    site.hosts.map((h) =>
      waitFor(
        `the Docker Engine of ${h.id} (log: ${h.runDir}/dockerd.log)`,
        () => engineAnswers(h),
        60,
      ),
    ),
  );
  say(`engines: ${site.hosts.length} Docker Engines answer`);
}

/**
 * Whether `pid` runs: it exists and is no zombie. An engine that `restore` started from a process
 * still alive (a test) stays a zombie until that process reaps it, which it cannot while it waits
 * for `down`.
 */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pid in `file`, when it names a running process. */
function livePid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return pid > 0 && running(pid) ? pid : undefined;
}

/**
 * Stops every engine of the site: SIGTERM (the engine stops its containers), then SIGKILL after
 * 30 s; and any dockerd or containerd left by a run that was killed, found by the site's paths.
 */
export async function stopEngines(site: SiteLayout): Promise<void> {
  const pids = site.hosts
    .map((h) => livePid(`${h.runDir}/docker.pid`))
    .filter((p): p is number => p !== undefined);
  for (const pid of pids) succeeds("kill", ["-TERM", String(pid)]);
  try {
    await waitFor("the site's engines to stop", () => !pids.some(running), 30);
  } catch {
    for (const pid of pids) succeeds("kill", ["-KILL", String(pid)]);
  }
  // Leftovers: a dockerd whose pid file is gone, the containerd and shims it started.
  for (const name of ["dockerd", "containerd", "containerd-shim-runc-v2"])
    succeeds("pkill", ["-KILL", "-f", `${name} .*${site.runDir}/`]);
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

/** Removes the site's cgroups (`/lhcb-site-<host>` under each controller), deepest first. */
function removeCgroups(site: SiteLayout): void {
  const root = "/sys/fs/cgroup";
  if (!existsSync(root)) return;
  // A container outlives an engine killed with SIGKILL (its shim is killed above, its processes
  // are not): whatever still runs in the site's cgroups is killed before they are removed.
  const removeTree = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) removeTree(`${dir}/${e.name}`);
    killMembers(dir);
    rmdirSync(dir);
  };
  // cgroup v1: one tree per controller; v2: the one tree at the root.
  const trees = [root, ...readdirSync(root).map((c) => `${root}/${c}`)];
  for (const tree of trees)
    for (const h of site.hosts) {
      const dir = `${tree}/lhcb-site-${h.id}`;
      if (existsSync(dir)) removeTree(dir);
    }
}

/** Kills every process of the cgroup `dir` and waits (up to 5 s) until it has none. */
function killMembers(dir: string): void {
  const procs = `${dir}/cgroup.procs`;
  const members = () =>
    existsSync(procs)
      ? readFileSync(procs, "utf8")
          .split("\n")
          .filter((p) => p !== "")
      : [];
  const until = Date.now() + 5000;
  for (let left = members(); left.length > 0 && Date.now() < until; left = members()) {
    for (const pid of left) succeeds("kill", ["-KILL", pid]);
    run("sleep", ["0.1"]);
  }
}
