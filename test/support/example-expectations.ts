// What runs once an example is up, the same whichever language declared it: the quorum's three
// hosts, and the site of examples/platform-from-values and examples/platform-yaml.
import assert from "node:assert/strict";

/** The quorum examples' hosts. */
export const QUORUM_HOSTS = ["coord-1", "coord-2", "coord-3"];

/** A ZooKeeper member and a Consul server per quorum host, and nothing else, run for `stack`. */
export function assertQuorumRuns(stack: string, names: string[]): void {
  assert.deepEqual(
    names,
    [
      ...QUORUM_HOSTS.map((h) => `${stack}-consul-server-${h}`),
      ...QUORUM_HOSTS.map((h) => `${stack}-zookeeper-${h}`),
    ].sort(),
  );
}

/**
 * Every part of the site runs for `stack`: 3 masters, 2 slaves, 1 load balancer; 2 services of 2
 * instances, 1 agent and its standby.
 */
export function assertSiteRuns(stack: string, names: string[]): void {
  const of = (part: string) => names.filter((n) => n.startsWith(`${stack}-${part}-`)).length;
  assert.deepEqual(
    {
      zookeeper: of("zookeeper"),
      servers: of("consul-server"),
      agents: of("consul-agent"),
      esm: of("consul-esm"),
      lb: of("lb"),
      total: names.length,
    },
    { zookeeper: 3, servers: 3, agents: 3, esm: 2, lb: 1, total: 3 + 3 + 3 + 2 + 4 + 2 + 1 },
  );
}
