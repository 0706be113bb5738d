// What Consul says of the slaves' nodes: each one's `serfHealth`, asked of the first master whose
// API answers.
import { ConsulCredentials, consulHttp } from "../../components/consul/consul-http";
import { consulApiUrl } from "../../components/consul/consul-tls-plan";
import { consulNodeName } from "../../components/consul/consul-containers";
import { PlatformSpec } from "../../components/core/platform-spec";
import { NodeState } from "./host-failures";

/** The Consul APIs to ask, in order: the `--consul` URL when given, else every master's. */
export function consulApis(
  spec: Pick<PlatformSpec, "masters" | "local">,
  override?: string,
): string[] {
  if (override) return [override.replace(/\/+$/, "")];
  return spec.masters.map((m) => consulApiUrl(spec, m.address));
}

interface SerfCheck {
  Node: string;
  Status: string;
}

/**
 * The state of each slave's node (by host id), from the first API that answers within 2 s; throws
 * naming every API tried when none does. `token`: the ACL token to ask with, where Consul's ACLs
 * are on. Without one that may read the nodes, Consul hides them all (it answers an empty list):
 * that throws too, rather than pass for every node absent.
 */
export async function slaveNodeStates(
  spec: Pick<PlatformSpec, "stack" | "slaves">,
  apis: readonly string[],
  { token, caCert }: ConsulCredentials = {},
): Promise<Map<string, NodeState>> {
  const query = `/v1/health/state/any?filter=${encodeURIComponent('CheckID == "serfHealth"')}`;
  const errors: string[] = [];
  for (const api of apis) {
    try {
      const res = await consulHttp(`${api}${query}`, { token, caCert, timeoutMs: 2000 });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const checks = JSON.parse(res.body) as SerfCheck[];
      if (checks.length === 0)
        throw new Error(
          `no node at all${token ? "" : " (without a token: where Consul's ACLs are on, it hides every node)"}`,
        );
      const byNode = new Map(checks.map((c) => [c.Node, c.Status]));
      return new Map(
        spec.slaves.map((h) => {
          const status = byNode.get(consulNodeName(spec, h.id));
          const state: NodeState =
            status === undefined ? "absent" : status === "passing" ? "passing" : "critical";
          return [h.id, state];
        }),
      );
    } catch (e) {
      errors.push(`${api}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no Consul API answered: ${errors.join("; ")}`);
}
