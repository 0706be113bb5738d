/**
 * The step that has Consul forget the node of a host gone for good (`lostHosts`) once it leaves
 * the stack: a Node program run where `pulumi up` runs, through the HTTP APIs of the servers,
 * that asks for the node's force-leave, pruned (`PUT /v1/agent/force-leave/<node>?prune=1`), so
 * that the servers drop it from the gossip pool at once instead of keeping it failed until they
 * reap it (72 h, Consul's `reconnect_timeout`).
 *
 * - It first waits, within its time, until no server's gossip counts the node alive. A node
 *   counted failed is pruned at once wherever the leave arrives; one still counted alive would
 *   only be marked leaving, every member holding the gossip it handles for 6 s (Serf's broadcast
 *   timeout and leave delay) before pruning it.
 * - It asks each server that lists the node, not one for all: a server may keep a node listed,
 *   failed or left, after the leave another server gossiped to it (seen at the site: 30 s later;
 *   Serf drops a leave whose Lamport time is not past the one it holds for the node, and a
 *   server asked directly stamps the leave with its own clock).
 * - It then confirms: the node must stay out of every answering server's member list for
 *   `CONSUL_FORGET_CONFIRM_MS`; listed again anywhere, it is asked again there.
 * - A node no server lists (a lost server that autopilot removed as the one replacing it joined)
 *   is said to be gone already. A server that does not answer is left out, and said.
 * - It never fails the `up`: a refusal, no answer or a node still listed at the end is said, and
 *   Consul reaps the node in its own time.
 */
/** How long the step may take: the wait for gossip to count the node failed, and the asks. */
export const CONSUL_FORGET_TIMEOUT_SECONDS = 40;

/** How long the node must stay out of the servers' member lists for the step to say it forgotten. */
export const CONSUL_FORGET_CONFIRM_MS = 2000;

export const CONSUL_FORGET_PROGRAM = [
  "const e = process.env, node = e.CONSUL_NODE, what = e.PROBE_WHAT;",
  'const apis = [...new Set(JSON.parse(e.CONSUL_APIS).map((a) => a.replace(/\\/+$/, "")))];',
  'const headers = e.CONSUL_HTTP_TOKEN ? { "X-Consul-Token": e.CONSUL_HTTP_TOKEN } : {};',
  "const start = Date.now(), end = start + Number(e.PROBE_TIMEOUT_SECONDS) * 1000, confirm = Number(e.CONSUL_FORGET_CONFIRM_MS);",
  'const later = "; Consul drops it once it reaps failed nodes (72 h)";',
  // Serf's member statuses, as /v1/agent/members numbers them; 0: not listed.
  'const STATUS = ["not listed", "alive", "leaving", "left", "failed"], ALIVE = 1;',
  "const pause = (ms) => new Promise((r) => setTimeout(r, ms));",
  // A member list within 2 s; a force-leave of a node still counted alive takes 6 s or more.
  "const call = async (api, method, path) => {",
  '  const ms = method === "GET" ? 2000 : Math.max(2000, Math.min(15000, end - Date.now()));',
  "  const r = await fetch(`${api}${path}`, { method, headers, signal: AbortSignal.timeout(ms) });",
  "  return { ok: r.ok, status: r.status, text: (await r.text()).trim() }; };",
  // Each answering server's status of the node, `[api, status]`; why the others did not answer.
  "const silent = new Map();",
  "const statuses = async () => (await Promise.all(apis.map(async (api) => { try {",
  '  const r = await call(api, "GET", "/v1/agent/members");',
  "  if (!r.ok) throw new Error(`its member list: HTTP ${r.status} ${r.text}`);",
  "  silent.delete(api); return [[api, JSON.parse(r.text).find((m) => m.Name === node)?.Status ?? 0]];",
  "} catch (x) { silent.set(api, x.cause?.message ?? x.message); return []; } }))).flat();",
  "const answered = (s) => { if (s.length === 0) throw new Error(`no server answers: ${[...silent].map(([a, why]) => `${a}: ${why}`).join('; ')}`); return s; };",
  "const listing = (s) => s.filter(([, st]) => st !== 0);",
  // Whether the node stays out of every answering server's list for `confirm` ms.
  "const staysGone = async () => { const until = Date.now() + confirm;",
  "  do { if (listing(answered(await statuses())).length > 0) return false; await pause(250); } while (Date.now() < until); return true; };",
  "const unheard = () => (silent.size === 0 ? \"\" : `; not asked at ${[...silent.keys()].join(', ')}, which did not answer`);",
  "(async () => {",
  "  let s = answered(await statuses());",
  "  if (listing(s).length === 0) { console.log(`${what}: already gone from the gossip pool${unheard()}`); return; }",
  "  while (s.some(([, st]) => st === ALIVE) && Date.now() < end - 2 * confirm) { await pause(250); s = answered(await statuses()); }",
  "  const counted = ((Date.now() - start) / 1000).toFixed(1), was = [...new Set(listing(s).map(([, st]) => STATUS[st]))].join(' or ');",
  "  for (let asks = 1; Date.now() < end; asks++) {",
  "    for (const [api] of listing(s)) {",
  '      const r = await call(api, "PUT", `/v1/agent/force-leave/${encodeURIComponent(node)}?prune=1`);',
  "      if (!r.ok && !/No node found/.test(r.text)) { console.error(`${what}: not forgotten (${api}: HTTP ${r.status} ${r.text})${later}`); return; } }",
  "    if (await staysGone()) {",
  '      const again = asks > 1 ? `; listed again, asked ${asks} times` : "";',
  "      console.log(`${what}: forgotten (${was} after ${counted} s${again})${unheard()}`); return; }",
  "    s = answered(await statuses()); }",
  "  const left = listing(answered(await statuses()));",
  "  const alive = left.some(([, st]) => st === ALIVE);",
  "  const where = left.map(([a, st]) => `${STATUS[st]} at ${a}`).join(', ') || 'listed';",
  '  const why = alive ? ": it still answers gossip; is its host really gone for good?" : later;',
  "  console.error(`${what}: not forgotten: still ${where} after ${e.PROBE_TIMEOUT_SECONDS} s${why}`);",
  "})().catch((x) => console.error(`${what}: not forgotten (${x.cause?.message ?? x.message})${later}`));",
].join("\n");

/** The shell command of the step; its node and the servers' APIs are in its environment. */
export const CONSUL_FORGET_COMMAND = 'node -e "$CONSUL_FORGET_PROGRAM"';

/**
 * The environment of `CONSUL_FORGET_COMMAND`: the HTTP APIs of the servers to ask (one or more),
 * the node, and the management token where ACLs are on (force-leave needs `operator:write`, the
 * member list `node:read`).
 */
export function consulForgetEnvironment(
  what: string,
  apis: string[],
  node: string,
  token?: string,
  timeoutSeconds = CONSUL_FORGET_TIMEOUT_SECONDS,
  confirmMs = CONSUL_FORGET_CONFIRM_MS,
): Record<string, string> {
  return {
    CONSUL_FORGET_PROGRAM,
    PROBE_WHAT: what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    CONSUL_FORGET_CONFIRM_MS: String(confirmMs),
    CONSUL_APIS: JSON.stringify(apis),
    CONSUL_NODE: node,
    ...(token === undefined ? {} : { CONSUL_HTTP_TOKEN: token }),
  };
}
