/**
 * Deterministic placement of service instances on slave hosts: weighted rendezvous hashing.
 *
 * Every (entry, host) pair gets a score from a hash of both names, weighted by the host's CPUs;
 * an entry's instances go to its best-scoring eligible hosts, one instance per host at most.
 * The score of a pair does not depend on any other host, so adding a host moves only the
 * instances for which the new host now scores in the top; removing one moves only its own.
 * Capacity is honoured in a fixed order (entries sorted by name), so the result does not depend
 * on the order of the catalog or the inventory.
 */

export interface PlacementHost {
  id: string;
  cpus: number;
  memoryMb: number;
  labels: Record<string, string>;
}

export interface PlacementRequest {
  /** Unique key of the entry (its slug). */
  key: string;
  instances: number;
  cpus: number;
  memoryMb: number;
  constraints: Record<string, string>;
}

export interface HostUsage {
  cpus: number;
  memoryMb: number;
  instances: number;
}

export interface Placement {
  /** Entry key → ids of the hosts holding its instances, sorted. */
  assignments: Map<string, string[]>;
  /** Host id → what the placed instances reserve on it. */
  usage: Map<string, HostUsage>;
  /** Entries placed with fewer instances than asked (only `placeAround` accepts that). */
  shortfalls: PlacementFailure[];
}

/** Why an entry could not be placed; the caller names the file and path. */
export interface PlacementFailure {
  key: string;
  reason: string;
}

export class PlacementError extends Error {
  constructor(public readonly failures: PlacementFailure[]) {
    super(failures.map((f) => `${f.key}: ${f.reason}`).join("\n"));
    this.name = "PlacementError";
  }
}

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Weighted rendezvous score of a pair; higher wins. */
export function rendezvousScore(entryHash: number, hostHash: number, weight: number): number {
  const h = fmix32(entryHash ^ fmix32(hostHash + 0x9e3779b9));
  const u = (h + 0.5) / 4294967296; // (0, 1)
  return -weight / Math.log(u);
}

function matches(host: PlacementHost, constraints: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(constraints)) if (host.labels[k] !== v) return false;
  return true;
}

/**
 * Places every request; throws a `PlacementError` listing every entry that does not fit, unless
 * `partial`: then an entry keeps the instances that fit and is listed in `shortfalls`.
 */
export function place(
  hosts: readonly PlacementHost[],
  requests: readonly PlacementRequest[],
  opts: { partial?: boolean } = {},
): Placement {
  const hostHashes = hosts.map((h) => fnv1a(h.id));
  const usage = new Map<string, HostUsage>(
    hosts.map((h) => [h.id, { cpus: 0, memoryMb: 0, instances: 0 }]),
  );
  const assignments = new Map<string, string[]>();
  const failures: PlacementFailure[] = [];
  const order = [...requests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const scored: { index: number; score: number }[] = [];

  for (const req of order) {
    const entryHash = fnv1a(req.key);
    scored.length = 0;
    for (let i = 0; i < hosts.length; i++) {
      if (matches(hosts[i], req.constraints))
        scored.push({ index: i, score: rendezvousScore(entryHash, hostHashes[i], hosts[i].cpus) });
    }
    const eligible = scored.length;
    scored.sort((a, b) => b.score - a.score);
    const chosen: string[] = [];
    for (const { index } of scored) {
      if (chosen.length === req.instances) break;
      const host = hosts[index];
      const used = usage.get(host.id)!;
      if (used.cpus + req.cpus > host.cpus + 1e-9 || used.memoryMb + req.memoryMb > host.memoryMb)
        continue;
      used.cpus += req.cpus;
      used.memoryMb += req.memoryMb;
      used.instances += 1;
      chosen.push(host.id);
    }
    if (chosen.length < req.instances) {
      const labels =
        Object.keys(req.constraints).length === 0
          ? ""
          : ` matching ${JSON.stringify(req.constraints)}`;
      const reason =
        eligible < req.instances
          ? `needs ${req.instances} instances on distinct slave hosts${labels}, but only ${eligible} such host(s) exist`
          : `needs ${req.instances} instances (${req.cpus} CPUs, ${req.memoryMb} MiB each) on distinct slave hosts${labels}; only ${chosen.length} of the ${eligible} eligible host(s) have that capacity left (capacity exceeded)`;
      failures.push({ key: req.key, reason });
    }
    assignments.set(req.key, chosen.sort());
  }
  if (failures.length > 0 && !opts.partial) throw new PlacementError(failures);
  return { assignments, usage, shortfalls: failures };
}

/**
 * Placement with some hosts failed. What the whole inventory places on a failed host stays there:
 * it is declared unchanged, so a deployment does not reach the host's engine, and the host serves
 * as before when it is back. The healthy hosts are placed as if the failed ones were absent, so
 * each instance of a failed host gets a replacement on a healthy one and no other instance moves
 * (rendezvous hashing). An entry without room for all its instances on healthy hosts keeps the
 * ones that fit and is listed in `shortfalls`. Throws as `place` does when the whole inventory
 * cannot hold the requests.
 */
export function placeAround(
  hosts: readonly PlacementHost[],
  failed: ReadonlySet<string>,
  requests: readonly PlacementRequest[],
): Placement {
  const whole = place(hosts, requests);
  if (![...failed].some((id) => whole.usage.has(id))) return whole;
  const healthy = place(
    hosts.filter((h) => !failed.has(h.id)),
    requests,
    { partial: true },
  );
  const assignments = new Map<string, string[]>();
  for (const [key, ids] of whole.assignments) {
    const kept = ids.filter((id) => failed.has(id));
    assignments.set(key, [...kept, ...(healthy.assignments.get(key) ?? [])].sort());
  }
  const usage = new Map<string, HostUsage>(
    hosts.map((h) => [h.id, (failed.has(h.id) ? whole : healthy).usage.get(h.id)!]),
  );
  return { assignments, usage, shortfalls: healthy.shortfalls };
}
