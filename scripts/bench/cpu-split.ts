// How the machine's CPU split over a stretch of time between the platform's containers and the
// rest (the engine, its providers, dockerd, the bench's client): read from /proc/stat and from
// the cgroup that holds every container (`/docker`, dockerd's cgroupfs driver; cgroup v1's
// cpuacct or v2's cpu.stat). A release's slow calls came from a saturated machine on which the
// containers got about half of it (docs/promises.md); the release figure prints this split.
import { readFileSync } from "node:fs";

/** Seconds of CPU used since boot: by the whole machine, and by the containers where readable. */
export interface CpuReading {
  /** Wall-clock ms when read. */
  at: number;
  machineS: number;
  containersS: number | undefined;
}

/** Cores used on average between two readings. */
export interface CpuSplit {
  machineCores: number;
  containerCores: number | undefined;
}

/** Clock ticks per second of /proc/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Busy seconds of the whole machine from the text of /proc/stat: user, nice, system, irq and
 * softirq of its first (`cpu `) line; idle, iowait and steal (time the hypervisor gave elsewhere)
 * are not this machine's work.
 */
export function machineBusySeconds(procStat: string): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("/proc/stat: no `cpu ` line");
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / USER_HZ;
}

/** Seconds from a cgroup v2 `cpu.stat` text (its `usage_usec`). */
export function cpuStatSeconds(cpuStat: string): number {
  const usec = /^usage_usec (\d+)$/m.exec(cpuStat)?.[1];
  if (usec === undefined) throw new Error("cpu.stat: no usage_usec line");
  return Number(usec) / 1e6;
}

function containersSeconds(): number | undefined {
  try {
    return Number(readFileSync("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage", "utf8")) / 1e9;
  } catch {
    try {
      return cpuStatSeconds(readFileSync("/sys/fs/cgroup/docker/cpu.stat", "utf8"));
    } catch {
      return undefined;
    }
  }
}

export function readCpu(): CpuReading {
  return {
    at: Date.now(),
    machineS: machineBusySeconds(readFileSync("/proc/stat", "utf8")),
    containersS: containersSeconds(),
  };
}

export function cpuSplit(from: CpuReading, to: CpuReading): CpuSplit {
  const seconds = (to.at - from.at) / 1000;
  const containers =
    from.containersS === undefined || to.containersS === undefined
      ? undefined
      : (to.containersS - from.containersS) / seconds;
  return { machineCores: (to.machineS - from.machineS) / seconds, containerCores: containers };
}

/** "1.96 cores, of which the containers 0.98" (or without the containers where unreadable). */
export function describeCpuSplit(s: CpuSplit): string {
  const machine = `${s.machineCores.toFixed(2)} cores`;
  return s.containerCores === undefined
    ? machine
    : `${machine}, of which the containers ${s.containerCores.toFixed(2)}`;
}
