import { createHash } from "node:crypto";

/**
 * The local stack's one network, with fixed addresses for the quorum members. At a site every
 * host keeps its address; on one Docker Engine a replaced container would otherwise come back on
 * whatever address Docker hands out next, and a ZooKeeper or Consul peer that changes address is
 * found again only slowly (Consul's raft keeps the old one until the leader reconciles it). So the
 * quorum members get fixed addresses in the lower half of the network, and Docker assigns the
 * other containers' from the upper half.
 *
 * The network is a /24 of 10.213.0.0/16 chosen by the stack's name, so scratch stacks of the tests
 * and benchmarks get their own beside the developer's `local`.
 */
export interface LocalNetwork {
  subnet: string;
  gateway: string;
  /** Where Docker assigns the addresses it chooses. */
  ipRange: string;
}

const FIRST_TWO = "10.213";

function third(stack: string): number {
  return createHash("sha256").update(stack).digest()[0];
}

export function localNetwork(stack: string): LocalNetwork {
  const base = `${FIRST_TWO}.${third(stack)}`;
  return { subnet: `${base}.0/24`, gateway: `${base}.1`, ipRange: `${base}.128/25` };
}

/** Fixed host numbers of the quorum members: ZooKeeper's from .11, the Consul servers' from .31 (up to 19 of each). */
const FIRST_HOST = { zookeeper: 11, "consul-server": 31 } as const;

/** The fixed address of the `index`-th (0-based) member of a quorum on the local stack's network. */
export function localQuorumAddress(stack: string, part: keyof typeof FIRST_HOST, index: number): string {
  if (index < 0 || index > 18) throw new Error(`local network: no fixed address for ${part} member ${index + 1} (at most 19)`);
  return `${FIRST_TWO}.${third(stack)}.${FIRST_HOST[part] + index}`;
}
