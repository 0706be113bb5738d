// A CPU hog: processes that spin at normal priority, one per core asked, so the platform's parts
// compete for the CPU as on a busy machine. Stopped by the returned function (and with the process).
//
// The project's dockerd gives the cgroup of every container the weight of ten processes
// (scripts/docker/ensure-dockerd.sh), so plain processes would hardly slow the containers. Where
// it can (as root, with the containers' cgroup found), the hog runs in a cgroup of its own beside
// that one, weighing as much as it per process: two spinning processes take two thirds of the
// machine from the containers, whatever weight those are given.
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The CPU controller's layout: where the containers' cgroup and the hog's are, and the weight file. */
interface CpuCgroups {
  containers: string;
  hog: string;
  weightFile: "cpu.shares" | "cpu.weight";
  /** Most a weight can be. */
  maxWeight: number;
}

function cpuCgroups(): CpuCgroups | undefined {
  const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
  const root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/cpu";
  const weightFile = v2 ? "cpu.weight" : "cpu.shares";
  const containers = join(root, "docker");
  if (!existsSync(join(containers, weightFile))) return undefined;
  return {
    containers,
    hog: join(root, "lhcb-cpu-hog"),
    weightFile,
    maxWeight: v2 ? 10_000 : 262_144,
  };
}

/**
 * Makes the hog's cgroup, as heavy per process as the containers' cgroup; its path, or undefined
 * where that cannot be done (not root, no such cgroup): the hog then runs as plain processes.
 */
function hogCgroup(cores: number): string | undefined {
  const cg = cpuCgroups();
  if (cg === undefined) return undefined;
  try {
    const containers = Number(readFileSync(join(cg.containers, cg.weightFile), "utf8"));
    mkdirSync(cg.hog, { recursive: true });
    const weight = Math.min(cg.maxWeight, containers * cores);
    writeFileSync(join(cg.hog, cg.weightFile), `${weight}\n`);
    return cg.hog;
  } catch {
    return undefined;
  }
}

/** Removes the hog's cgroup once its processes are gone (left, empty, if the kernel still holds it). */
function removeCgroup(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // EBUSY until the last task is reaped; an empty cgroup left behind is reused next time.
  }
}

export function startCpuHog(cores: number): () => void {
  const cgroup = hogCgroup(cores);
  const hogs: ChildProcess[] = [];
  let running = cores;
  for (let i = 0; i < cores; i++) {
    const h = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    if (cgroup !== undefined && h.pid !== undefined)
      writeFileSync(join(cgroup, "cgroup.procs"), `${h.pid}\n`);
    h.once("exit", () => {
      if (--running === 0 && cgroup !== undefined) removeCgroup(cgroup);
    });
    hogs.push(h);
  }
  const stop = () => {
    for (const h of hogs) h.kill("SIGKILL");
  };
  process.once("exit", stop);
  return stop;
}
