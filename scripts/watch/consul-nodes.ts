// What Consul says of the hosts' nodes: each one's membership of the LAN gossip pool, asked of
// the first master whose API answers.
import { ConsulCredentials, consulHttp } from "../../components/consul/consul-http";
import { consulApiUrl } from "../../components/consul/consul-tls-plan";
import { consulNodeName } from "../../components/consul/consul-containers";
import { PlatformSpec } from "../../components/core/platform-spec";
import { NodeState } from "./host-failures";

/** `apis` with `answered` first: the API that answered last is asked first. */
export function answeredFirst(apis: readonly string[], answered: string): string[] {
  return [answered, ...apis.filter((a) => a !== answered)];
}

/** The Consul APIs to ask, in order: the `--consul` URL when given, else every master's. */
export function consulApis(
  spec: Pick<PlatformSpec, "masters" | "local">,
  override?: string,
): string[] {
  if (override) return [override.replace(/\/+$/, "")];
  return spec.masters.map((m) => consulApiUrl(spec, m.address));
}

/** A member of the LAN pool as `/v1/agent/members` lists it: its node name and Serf status. */
interface SerfMember {
  Name: string;
  Status: number;
}

/** Serf's member status: 1 alive, 2 leaving, 3 left, 4 failed. */
const ALIVE = 1;

/**
 * The state of each host's node (by host id), from the first API that answers within 2 s; throws
 * naming every API tried when none does. Every host has one: a master its Consul server's, every
 * other host its agent's. A member alive is passing; one failed, left or leaving is critical (the
 * catalog is no use here: autopilot removes a failed server from it within seconds, and an agent
 * stopped cleanly leaves it, so both would pass for never seen); one not in the pool is absent
 * (never joined, or gone longer than Serf remembers). `token`: the ACL token to ask with, where
 * Consul's ACLs are on. Without one that may read the nodes, Consul hides them all (an empty list):
 * that throws too, rather than pass for every node absent. Also says which API answered: the
 * caller asks it first next time, so that a lost master's API does not delay every round.
 */
export async function hostNodeStates(
  spec: Pick<PlatformSpec, "stack" | "hosts">,
  apis: readonly string[],
  { token, caCert }: ConsulCredentials = {},
): Promise<{ states: Map<string, NodeState>; answered: string }> {
  const query = "/v1/agent/members";
  const errors: string[] = [];
  for (const api of apis) {
    try {
      const res = await consulHttp(`${api}${query}`, { token, caCert, timeoutMs: 2000 });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const members = JSON.parse(res.body) as SerfMember[];
      if (members.length === 0)
        throw new Error(
          `no node at all${token ? "" : " (without a token: where Consul's ACLs are on, it hides every node)"}`,
        );
      const byNode = new Map(members.map((m) => [m.Name, m.Status]));
      const states = new Map(
        spec.hosts.map((h) => {
          const status = byNode.get(consulNodeName(spec, h.id));
          const state: NodeState =
            status === undefined ? "absent" : status === ALIVE ? "passing" : "critical";
          return [h.id, state];
        }),
      );
      return { states, answered: api };
    } catch (e) {
      errors.push(`${api}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no Consul API answered: ${errors.join("; ")}`);
}
