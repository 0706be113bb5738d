import { createHash } from "node:crypto";

/**
 * The local stack's one network, with fixed addresses for the quorum members. At a site every
 * host keeps its address; on one Docker Engine a replaced container would otherwise come back on
 * whatever address Docker hands out next, and a ZooKeeper or Consul peer that changes address is
 * found again only slowly (Consul's raft keeps the old one until the leader reconciles it). So the
 * quorum members get fixed addresses in the network's first /24, and Docker assigns the other
 * containers' from its upper half (510 addresses: the local platform at 16 times its catalog
 * holds some 150 containers; a /24 with a /25 for Docker stopped at 126).
 *
 * The network is one of the 64 /22s of 10.213.0.0/16, chosen by the stack's name, so scratch
 * stacks of the tests and benchmarks get their own beside the developer's `local`.
 */
export interface LocalNetwork {
  subnet: string;
  gateway: string;
  /** Where Docker assigns the addresses it chooses. */
  ipRange: string;
}

const FIRST_TWO = "10.213";

/** The third byte of the stack's network: a multiple of 4 (a /22). */
function third(stack: string): number {
  return (createHash("sha256").update(stack).digest()[0] % 64) * 4;
}

export function localNetwork(stack: string): LocalNetwork {
  const t = third(stack);
  return {
    subnet: `${FIRST_TWO}.${t}.0/22`,
    gateway: `${FIRST_TWO}.${t}.1`,
    ipRange: `${FIRST_TWO}.${t + 2}.0/23`,
  };
}

/** Fixed host numbers of the quorum members: ZooKeeper's from .11, the Consul servers' from .31 (up to 19 of each). */
const FIRST_HOST = { zookeeper: 11, "consul-server": 31 } as const;

/** The fixed address of the `index`-th (0-based) member of a quorum on the local stack's network. */
export function localQuorumAddress(
  stack: string,
  part: keyof typeof FIRST_HOST,
  index: number,
): string {
  if (index < 0 || index > 18)
    throw new Error(`local network: no fixed address for ${part} member ${index + 1} (at most 19)`);
  return `${FIRST_TWO}.${third(stack)}.${FIRST_HOST[part] + index}`;
}
