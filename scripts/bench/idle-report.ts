// The idle figures of `npm run bench -- --only idle`: the platform's total against its goal, each
// part's share, what one service instance costs, and a slave of 16 instances projected from them.
import { IdleSample, totalCores, totalMiB } from "./idle";

export const IDLE_GOAL_CORES = 0.15;
/** The slave size the projection asks for: a prod slave with this many instances. */
export const PROJECTED_INSTANCES = 16;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ms = (cores: number) => `${(cores * 1000).toFixed(1)}`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "))
    .join("\n");
}

/** Per window: the cores of each part (a component label, or "docker daemons"). */
function coresByPart(s: IdleSample): Map<string, { cores: number; count: number; mib: number }> {
  const parts = new Map<string, { cores: number; count: number; mib: number }>();
  for (const c of s.containers) {
    const p = parts.get(c.component) ?? { cores: 0, count: 0, mib: 0 };
    p.cores += c.cores;
    p.count += 1;
    p.mib += c.memoryMiB;
    parts.set(c.component, p);
  }
  parts.set("docker daemons", { cores: s.daemonCores, count: 0, mib: s.daemonMiB });
  return parts;
}

export interface IdleFigures {
  totalMedian: number;
  totalWorst: number;
  perInstanceMedian: number;
  text: string;
}

/**
 * The report of several windows of one stack. Per instance: the instance containers' own CPU and
 * the balancers' (checking every instance is their idle work), divided by the instances. The
 * projected slave: the per-host parts of a slave (its Consul agent, cAdvisor) and 16 instances.
 */
export function idleReport(samples: IdleSample[]): IdleFigures {
  const totals = samples.map(totalCores);
  const byPart = samples.map(coresByPart);
  const names = [...byPart[0].keys()].sort(
    (a, b) =>
      median(byPart.map((p) => p.get(b)?.cores ?? 0)) -
      median(byPart.map((p) => p.get(a)?.cores ?? 0)),
  );
  const rows = [["part", "containers", "ms CPU/s median", "worst", "MiB"]];
  for (const n of names) {
    const v = byPart.map((p) => p.get(n)?.cores ?? 0);
    const last = byPart[byPart.length - 1].get(n);
    rows.push([
      n,
      String(last?.count ?? 0),
      ms(median(v)),
      ms(Math.max(...v)),
      (last?.mib ?? 0).toFixed(0),
    ]);
  }
  const totalMiBLast = totalMiB(samples[samples.length - 1]);
  rows.push([
    "total",
    String(samples[0].containers.length),
    ms(median(totals)),
    ms(Math.max(...totals)),
    totalMiBLast.toFixed(0),
  ]);

  const instances = samples[0].containers.filter((c) => c.component === "service");
  const slaveHosts = new Set(instances.map((c) => c.host));
  const perWindow = samples.map((s) => {
    const own = s.containers
      .filter((c) => c.component === "service")
      .reduce((a, c) => a + c.cores, 0);
    const lbs = s.containers.filter((c) => c.component === "lb").reduce((a, c) => a + c.cores, 0);
    const hostParts = s.containers
      .filter((c) => slaveHosts.has(c.host) && c.component !== "service" && c.component !== "agent")
      .reduce((a, c) => a + c.cores, 0);
    return { perInstance: (own + lbs) / instances.length, perSlave: hostParts / slaveHosts.size };
  });
  const perInstance = median(perWindow.map((w) => w.perInstance));
  const perSlave = median(perWindow.map((w) => w.perSlave));
  const mt = median(totals);
  const worst = Math.max(...totals);
  const text = [
    table(rows),
    "",
    `idle platform: ${mt.toFixed(3)} cores median, ${worst.toFixed(3)} worst (${samples.length} windows of ${samples[0].seconds.toFixed(0)} s), goal ≤ ${IDLE_GOAL_CORES}: ${worst <= IDLE_GOAL_CORES ? "met" : "NOT met"}; memory ${totalMiBLast.toFixed(0)} MiB`,
    `one service instance: ${ms(perInstance)} ms CPU/s (its container and its share of the balancers' checks), ${instances.length} instances`,
    `a slave's own parts (Consul agent, cAdvisor): ${ms(perSlave)} ms CPU/s; projected slave of ${PROJECTED_INSTANCES} instances: ${ms(perSlave + PROJECTED_INSTANCES * perInstance)} ms CPU/s`,
  ].join("\n");
  return { totalMedian: mt, totalWorst: worst, perInstanceMedian: perInstance, text };
}
