/**
 * The deploy-time step that puts the stack's gossip key in use on every Consul member (a Node
 * program run where `pulumi up` runs, through the HTTP API of a server): each agent keeps its
 * keyring in its data volume and reads the configured `encrypt` only when it has none, so a new
 * key in the configuration alone would reach only agents made afterwards. The step, on every
 * pool (the LAN, and the servers' WAN):
 * 1. installs the key where a member lacks it;
 * 2. makes it the one each member encrypts with;
 * 3. removes every other key.
 * Steps 2 and 3 wait until every member of the plan answers: one away while the others change
 * key could not decrypt them when it comes back. Until then the step retries, and stops on its
 * timeout naming the pools short of members, with the key installed and nothing else changed.
 * Run again with the key in use everywhere, it changes nothing. No key is ever printed.
 */
import { READY_TIMEOUT_SECONDS } from "../core/readiness";

export const CONSUL_KEYRING_PROGRAM = String.raw`
const e = process.env, end = Date.now() + Number(e.PROBE_TIMEOUT_SECONDS) * 1000;
const key = e.CONSUL_GOSSIP_KEY, planned = JSON.parse(e.CONSUL_MEMBERS);
const url = e.CONSUL_API.replace(/\/+$/, "") + "/v1/operator/keyring";
const seen = new Set();
const hide = (text) => [...seen].reduce((t, k) => t.split(k).join(k === key ? "<the new key>" : "<an old key>"), text);
const say = (m) => console.log(e.PROBE_WHAT + ": " + m);
const ask = async (method, k) => {
  const headers = e.CONSUL_HTTP_TOKEN ? { "X-Consul-Token": e.CONSUL_HTTP_TOKEN } : {};
  const body = k === undefined ? undefined : JSON.stringify({ Key: k });
  const r = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(15000) });
  const text = (await r.text()).trim();
  if (!r.ok) throw new Error(method + " " + url + ": HTTP " + r.status + " " + text);
  return text === "" ? undefined : JSON.parse(text);
};
const poolsOf = (list) => list.map((p) => ({
  name: p.WAN ? "WAN" : "LAN" + (p.Segment ? " segment " + p.Segment : ""),
  keys: p.Keys ?? {}, primary: p.PrimaryKeys ?? {}, members: p.NumNodes,
  planned: p.WAN ? planned.wan : planned.lan,
})).sort((a, b) => a.name.localeCompare(b.name));
const count = (m, k) => m[k] ?? 0;
let removed = 0;
const once = async () => {
  const pools = poolsOf(await ask("GET"));
  for (const p of pools) for (const k of Object.keys(p.keys)) seen.add(k);
  const lacking = pools.filter((p) => count(p.keys, key) < p.members);
  if (lacking.length > 0) {
    say("installing the key (" + lacking.map((p) => p.name + ": " + count(p.keys, key) + " of " + p.members + " members hold it").join(", ") + ")");
    await ask("POST", key);
    return false;
  }
  const unused = pools.some((p) => count(p.primary, key) < p.members);
  const old = [...new Set(pools.flatMap((p) => Object.keys(p.keys)))].filter((k) => k !== key);
  if (!unused && old.length === 0) {
    say("the key is in use on every member (" + pools.map((p) => p.name + " " + p.members).join(", ") + ")" + (removed > 0 ? "; " + removed + " old key(s) removed" : ""));
    return true;
  }
  const short = pools.filter((p) => p.members < p.planned);
  if (short.length > 0)
    throw new Error((unused ? "the key is installed, not put in use," : "the key is in use, " + old.length + " old key(s) kept,") + " while members are away (" + short.map((p) => p.name + ": " + p.members + " of " + p.planned + " members answer").join(", ") + "): one away when the others change key could not decrypt them when it comes back");
  if (unused) {
    say("every member holds the key; making it the one they encrypt with");
    await ask("PUT", key);
    return false;
  }
  say("the key is in use on every member; removing " + old.length + " old key(s)");
  for (const k of old) { await ask("DELETE", k); removed++; }
  return false;
};
(async () => {
  let last = "no answer";
  for (;;) {
    try { if (await once()) return; } catch (x) { last = hide(x.cause?.message ?? x.message); }
    if (Date.now() > end) { console.error(e.PROBE_WHAT + ": not done after " + e.PROBE_TIMEOUT_SECONDS + "s (" + last + ")"); process.exit(1); }
    await new Promise((r) => setTimeout(r, 1000));
  }
})();
`;

/** The shell command that runs `CONSUL_KEYRING_PROGRAM`; what it does is in its environment. */
export const CONSUL_KEYRING_COMMAND = 'node -e "$CONSUL_KEYRING_PROGRAM"';

/** The Consul members of the plan, per pool: every host's agent or server, and the servers. */
export interface PlannedMembers {
  lan: number;
  wan: number;
}

/**
 * The environment of `CONSUL_KEYRING_COMMAND`: the API of a server, the key (a secret, as the
 * whole environment is), the plan's members, and the management token where ACLs are on.
 */
export function consulKeyringEnvironment(
  what: string,
  api: string,
  key: string,
  members: PlannedMembers,
  token?: string,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    CONSUL_KEYRING_PROGRAM,
    PROBE_WHAT: what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    CONSUL_API: api,
    CONSUL_GOSSIP_KEY: key,
    CONSUL_MEMBERS: JSON.stringify(members),
    ...(token === undefined ? {} : { CONSUL_HTTP_TOKEN: token }),
  };
}
