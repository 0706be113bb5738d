// Which hosts the watcher counts as failed, from what Consul says of their nodes over time. Pure:
// the caller passes the time of each observation.

/** A host's Consul node as observed: its `serfHealth`, or absent from the catalog. */
export type NodeState = "passing" | "critical" | "absent";

/**
 * Debounced host failures. A host becomes failed once its node has been `critical` for `graceMs`
 * without interruption, and stops being failed once it has been `passing` for `graceMs`: a host
 * that flaps, or a check that misses one beat, moves nothing. An absent node (never joined, or
 * left) changes nothing: the watcher only acts on what Consul has seen fail.
 */
export class HostFailures {
  private readonly states = new Map<string, { state: NodeState; since: number }>();
  private readonly failed: Set<string>;

  /** `initiallyFailed`: the hosts the stack already lists as failed. */
  constructor(
    private readonly graceMs: number,
    initiallyFailed: readonly string[] = [],
  ) {
    this.failed = new Set(initiallyFailed);
  }

  /** Records the state of every host's node at `now` (ms). */
  observe(now: number, states: ReadonlyMap<string, NodeState>): void {
    for (const [host, state] of states) {
      const last = this.states.get(host);
      if (!last || last.state !== state) this.states.set(host, { state, since: now });
    }
    for (const [host, { state, since }] of this.states) {
      const steady = now - since >= this.graceMs;
      if (steady && state === "critical") this.failed.add(host);
      if (steady && state === "passing") this.failed.delete(host);
    }
  }

  /** The hosts counted as failed, sorted. */
  current(): string[] {
    return [...this.failed].sort();
  }
}

/** Whether two sorted lists of host ids are the same. */
export function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
