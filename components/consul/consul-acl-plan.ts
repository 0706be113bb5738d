// Consul's ACLs as the platform plans them (pure): where they are enforced, the policy of each
// client role, and the `acl` block of the servers' and agents' configurations. The tokens' values
// are secrets: the plan holds their placeholders, `ConsulAcl` makes the tokens and their values.
import { secretPlaceholder } from "../core/container-spec";
import { PlatformSpec } from "../core/platform-spec";
import { esmNames, SLAVE_SERVICE } from "./consul-config";

/**
 * Whether Consul's ACLs are enforced, default deny: everywhere but on the local stack, whose
 * agents are all on one machine's private network (docs/security.md).
 */
export function aclEnforced(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** Where a part's config holds its Consul token: the token's placeholder where ACLs are on, else nothing. */
export function consulTokenPlaceholder(spec: Pick<PlatformSpec, "local">): string | undefined {
  return aclEnforced(spec) ? secretPlaceholder("consulToken") : undefined;
}

/** The headers a client of Consul's HTTP API sends its token in (none without a token). */
export function consulTokenHeaders(token: string | undefined): Record<string, string> {
  return token ? { "X-Consul-Token": token } : {};
}

/**
 * The parts that talk to Consul's HTTP API, each with a token of its own role:
 * - `catalog-read`: consul-template in the load balancers and the whitelist renderers;
 * - `agent-locks`: the scheduled agents (their lock sessions and run records);
 * - `esm`: consul-esm, which runs the checks of the instances' external nodes.
 * Each Consul agent has a token of its own node (`ConsulAcl.nodeToken`); the library's own
 * registrations and the ACL objects go through the management token.
 */
export const CONSUL_ROLES = ["catalog-read", "agent-locks", "esm"] as const;
export type ConsulRole = (typeof CONSUL_ROLES)[number];

/** What a role's token is for, as its description in Consul says it. */
export const ROLE_PURPOSE: Record<ConsulRole, string> = {
  "catalog-read": "consul-template of the load balancers and whitelist renderers",
  "agent-locks": "the scheduled agents' locks and run records",
  esm: "consul-esm, the checks of the instances' external nodes",
};

/** One ACL rule: `resource "name" { policy = "..." }` (HCL). */
function rule(resource: string, name: string, policy: "read" | "write"): string {
  return `${resource} ${JSON.stringify(name)} {\n  policy = "${policy}"\n}`;
}

/**
 * The rules (HCL) of each role's policy in stack `stack`, whose catalog has the services `services`
 * (their keys: an instance is registered under its service's key, tagged with its stack).
 */
export function roleRules(stack: string, services: readonly string[]): Record<ConsulRole, string> {
  const lines = (...rules: string[]) => rules.join("\n") + "\n";
  const keys = [...new Set(services)].sort();
  return {
    // The balancers read this stack's services, the renderers the slave hosts'.
    "catalog-read": lines(
      ...keys.map((key) => rule("service", key, "read")),
      rule("service", SLAVE_SERVICE, "read"),
      rule("node_prefix", "", "read"),
    ),
    // The locks and the run records live under the stack's prefix (`agentLockKey`).
    "agent-locks": lines(
      rule("key_prefix", `platform/${stack}/agents/`, "write"),
      rule("session_prefix", "", "write"),
    ),
    // consul-esm's rules as its README gives them, narrowed to this stack: its KV prefix and
    // service (`esmNames`), the stack's nodes (its masters', where its sessions are, and the
    // instances' external nodes, `<stack>-<host>-instances`), and the catalog's services, whose
    // instances' checks it writes.
    esm: lines(
      rule("agent_prefix", "", "read"),
      rule("key_prefix", esmNames(stack).kvPath, "write"),
      rule("node_prefix", `${stack}-`, "write"),
      rule("service", esmNames(stack).service, "write"),
      ...keys.map((key) => rule("service", key, "write")),
      rule("session_prefix", `${stack}-`, "write"),
    ),
  };
}

/**
 * The rules a slave's agent token has beyond its node identity (which lets it write its own node
 * and read services): registering the host as the `mesos-slave-host` service with its checks.
 */
export function slaveHostRules(): string {
  return rule("service", SLAVE_SERVICE, "write") + "\n";
}

/**
 * The rules of the task registrars' token (marathon/task-registrar.ts): writing their own nodes
 * (`nodes`, one per slave) and the `marathon`-mode services (`services`), nothing else.
 */
export function registrarRules(nodes: readonly string[], services: readonly string[]): string {
  const sorted = (names: readonly string[]) => [...new Set(names)].sort();
  return (
    [
      ...sorted(nodes).map((node) => rule("node", node, "write")),
      ...sorted(services).map((key) => rule("service", key, "write")),
    ].join("\n") + "\n"
  );
}

/** The name of an ACL object of stack `stack` (policies and tokens of several stacks share a datacenter). */
export function aclObjectName(stack: string, what: string): string {
  return `${stack}-${what}`;
}

/**
 * The `acl` block of a Consul server's or agent's configuration. Default deny; `extend-cache`:
 * while no server answers, an agent goes on with the ACLs it has read. A server bootstraps the
 * ACL system with the management token and uses it as its own agent token (it holds it anyway);
 * an agent has its node's token.
 */
export function aclConfigBlock(server: boolean): Record<string, unknown> {
  const tokens = server
    ? {
        initial_management: secretPlaceholder("consulManagementToken"),
        agent: secretPlaceholder("consulManagementToken"),
      }
    : { agent: secretPlaceholder("consulToken") };
  return { enabled: true, default_policy: "deny", down_policy: "extend-cache", tokens };
}
