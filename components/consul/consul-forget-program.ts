/**
 * The step that has Consul forget the node of a host gone for good (`lostHosts`) once it leaves
 * the stack: a Node program run where `pulumi up` runs, through the HTTP API of a server, that
 * asks for the node's force-leave, pruned (`PUT /v1/agent/force-leave/<node>?prune=1`), so that
 * the servers drop it from the gossip pool at once instead of keeping it failed until they reap
 * it (72 h, Consul's `reconnect_timeout`). A node already gone (`No node found`: a lost server
 * that autopilot removed as the one replacing it joined) is said to be. It never fails the `up`:
 * a refusal or no answer is said, and Consul reaps the node in its own time.
 */
/** How long the step waits for the server's answer. */
export const CONSUL_FORGET_TIMEOUT_SECONDS = 15;

export const CONSUL_FORGET_PROGRAM = [
  "const e = process.env;",
  'const url = `${e.CONSUL_API.replace(/\\/+$/, "")}/v1/agent/force-leave/${encodeURIComponent(e.CONSUL_NODE)}?prune=1`;',
  'const headers = e.CONSUL_HTTP_TOKEN ? { "X-Consul-Token": e.CONSUL_HTTP_TOKEN } : {};',
  'const later = "; Consul drops it once it reaps failed nodes (72 h)";',
  'fetch(url, { method: "PUT", headers, signal: AbortSignal.timeout(Number(e.PROBE_TIMEOUT_SECONDS) * 1000) }).then(',
  "  async (r) => { const text = (await r.text()).trim();",
  "    if (r.ok) console.log(`${e.PROBE_WHAT}: forgotten`);",
  "    else if (/No node found/.test(text)) console.log(`${e.PROBE_WHAT}: already gone from the gossip pool`);",
  "    else console.error(`${e.PROBE_WHAT}: not forgotten (HTTP ${r.status} ${text})${later}`); },",
  "  (x) => console.error(`${e.PROBE_WHAT}: not forgotten (${x.cause?.message ?? x.message})${later}`));",
].join("\n");

/** The shell command of the step; its node and the API are in its environment. */
export const CONSUL_FORGET_COMMAND = 'node -e "$CONSUL_FORGET_PROGRAM"';

/**
 * The environment of `CONSUL_FORGET_COMMAND`: the API of a server, the node, and the management
 * token where ACLs are on (force-leave needs `operator:write`).
 */
export function consulForgetEnvironment(
  what: string,
  api: string,
  node: string,
  token?: string,
  timeoutSeconds = CONSUL_FORGET_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    CONSUL_FORGET_PROGRAM,
    PROBE_WHAT: what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    CONSUL_API: api,
    CONSUL_NODE: node,
    ...(token === undefined ? {} : { CONSUL_HTTP_TOKEN: token }),
  };
}
