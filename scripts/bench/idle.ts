// What an idle platform costs: CPU (cores) and memory of every container of a stack, read from
// its cgroup, and of the Docker daemons that run them (dockerd, containerd and the per-container
// shims, with the children they reaped: `runc` and the processes of Docker health checks' execs).
// Nothing is sent to the platform while it is measured.
import { readFileSync, readdirSync } from "node:fs";
import { docker, lines, sleep } from "./probes";

/** The processes that run containers, by their command name (`/proc/PID/comm`, 15 characters at most). */
export const DAEMON_COMMANDS = ["dockerd", "containerd", "containerd-shim", "docker-proxy"];

interface ContainerRef {
  name: string;
  /** The container's `platform.component` label (service, lb, consul-agent, ...). */
  component: string;
  /** Its host in the stack (`platform.host`). */
  host: string;
  pid: number;
}

export interface ContainerCost {
  name: string;
  component: string;
  host: string;
  /** CPU over the window, in cores (CPU seconds per second). */
  cores: number;
  /** Memory in use at the end of the window, without the page cache Docker's own stats leave out. */
  memoryMiB: number;
}

export interface IdleSample {
  seconds: number;
  containers: ContainerCost[];
  daemonCores: number;
  daemonMiB: number;
}

function containersOf(stack: string): ContainerRef[] {
  const ids = lines(docker("ps", "-q", "--filter", `label=platform.stack=${stack}`));
  if (ids.length === 0) throw new Error(`no running containers of stack ${stack}`);
  const format =
    '{{.Name}} {{index .Config.Labels "platform.component"}} {{index .Config.Labels "platform.host"}} {{.State.Pid}}';
  return lines(docker("inspect", "-f", format, ...ids)).map((l) => {
    const [name, component, host, pid] = l.split(" ");
    return { name: name.replace(/^\//, ""), component, host, pid: Number(pid) };
  });
}

/** The cgroup files of process `pid`: v1 (cpuacct and memory hierarchies) or v2 (unified). */
function cgroupFiles(pid: number): { cpuNs(): number; memoryBytes(): number } {
  const entries = readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(":"));
  const unified = entries.find(([, controllers]) => controllers === "");
  const v1 = (controller: string) =>
    entries.find(([, controllers]) => controllers.split(",").includes(controller))?.[2];
  const cpuacct = v1("cpuacct");
  const memory = v1("memory");
  const stat = (path: string) =>
    Object.fromEntries(
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .map(([k, v]) => [k, Number(v)]),
    );
  if (cpuacct !== undefined && memory !== undefined) {
    return {
      cpuNs: () => Number(readFileSync(`/sys/fs/cgroup/cpuacct${cpuacct}/cpuacct.usage`, "utf8")),
      memoryBytes: () =>
        Number(readFileSync(`/sys/fs/cgroup/memory${memory}/memory.usage_in_bytes`, "utf8")) -
        (stat(`/sys/fs/cgroup/memory${memory}/memory.stat`).total_inactive_file ?? 0),
    };
  }
  if (unified === undefined) throw new Error(`process ${pid}: no cgroup to read`);
  const dir = `/sys/fs/cgroup${unified[2]}`;
  return {
    cpuNs: () => stat(`${dir}/cpu.stat`).usage_usec * 1000,
    memoryBytes: () =>
      Number(readFileSync(`${dir}/memory.current`, "utf8")) -
      (stat(`${dir}/memory.stat`).inactive_file ?? 0),
  };
}

const TICKS_PER_SECOND = 100;

/** CPU (ticks, with reaped children) and resident memory (bytes) of every Docker daemon process. */
function daemonUsage(): { ticks: number; rssBytes: number } {
  let ticks = 0;
  let rssBytes = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!DAEMON_COMMANDS.includes(readFileSync(`/proc/${pid}/comm`, "utf8").trim())) continue;
      // Fields after the command (which may hold spaces): utime is the 14th field of the line.
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      rssBytes += Number(f[21]) * 4096;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { ticks, rssBytes };
}

/** Measures stack `stack` for `seconds`, doing nothing else meanwhile. */
export async function measureIdle(stack: string, seconds: number): Promise<IdleSample> {
  const refs = containersOf(stack).map((c) => ({ ...c, cgroup: cgroupFiles(c.pid) }));
  const t0 = process.hrtime.bigint();
  const cpu0 = refs.map((r) => r.cgroup.cpuNs());
  const d0 = daemonUsage();
  await sleep(seconds * 1000);
  const d1 = daemonUsage();
  const cpu1 = refs.map((r) => r.cgroup.cpuNs());
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    seconds: elapsed,
    containers: refs.map((r, i) => ({
      name: r.name,
      component: r.component,
      host: r.host,
      cores: (cpu1[i] - cpu0[i]) / 1e9 / elapsed,
      memoryMiB: r.cgroup.memoryBytes() / 2 ** 20,
    })),
    daemonCores: (d1.ticks - d0.ticks) / TICKS_PER_SECOND / elapsed,
    daemonMiB: d1.rssBytes / 2 ** 20,
  };
}

export function totalCores(s: IdleSample): number {
  return s.containers.reduce((a, c) => a + c.cores, 0) + s.daemonCores;
}

export function totalMiB(s: IdleSample): number {
  return s.containers.reduce((a, c) => a + c.memoryMiB, 0) + s.daemonMiB;
}
