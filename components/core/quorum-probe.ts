/**
 * The readiness of one member of a quorum (a ZooKeeper ensemble, the Consul servers), so that a
 * change that replaces every member replaces them one at a time: the next member is stopped only
 * once this one serves in the quorum again. Declared all at once, Pulumi replaces them together
 * and the quorum is gone until they are all back (with new addresses on the local stack's network,
 * Consul's raft never elects again).
 *
 * A member is ready when it serves in the quorum (ZooKeeper: `Mode: leader` or `follower` in its
 * `srvr` answer; Consul: a leader known and the member's own address among the raft peers), or,
 * when no other member serves, as soon as it answers at all: there is no quorum to join yet (the
 * first deployment, where the first members alone cannot form one) or none to protect. From the
 * member that completes a first quorum on (`mustServe`: ZooKeeper's majority, Consul's expected
 * servers) it must serve whatever the others do, so the `up` ends with the quorum formed. A
 * member's raft address is one of those its name resolves to where the probe runs (IPv4 or IPv6).
 *
 * Like the instance probes (readiness.ts) it is a small Node program run where `pulumi up` runs.
 * Members are named by the address that machine reaches them at; on the local stack that is the
 * container's name, resolved through `docker inspect` (the Docker host runs `pulumi up` there).
 */
import { HostSpec } from "./config-schema";
import { containerName, partAddress, Site } from "./endpoints";
import { HTTP_ASK_LINES, READY_TIMEOUT_SECONDS } from "./readiness";

export type QuorumKind = "zookeeper" | "consul";

export interface QuorumMemberTarget {
  kind: QuorumKind;
  /** What is awaited, for the message on timeout. */
  what: string;
  /** This member's address (or container name, with `resolveWithDocker`). */
  self: string;
  /** The other members' addresses (or container names). */
  others: string[];
  /** The port each member serves its probe on: ZooKeeper's client port, Consul's HTTP API. */
  port: number;
  /** The API is HTTPS (Consul where TLS is on): the probe trusts the CA in PROBE_CA_PEM. */
  tls?: boolean;
  /** Addresses are container names on the Docker engine of the machine that runs the probe. */
  resolveWithDocker: boolean;
  /** Ready only once it serves, even when no other member does (the members before it and it form a quorum). */
  mustServe: boolean;
  /**
   * ZooKeeper: the member's `myid`. A member that the serving members list at another address
   * (its host replaced by a new machine) is ready as soon as it answers: they cannot reach it
   * until their own turn gives them the new list, so waiting for it to serve would wait for ever.
   */
  myid?: number;
}

/**
 * The target of the member of `part` on `host`, one per master: reached where the machine that
 * runs `pulumi up` reaches it (its container's name on the local stack, the host's address at a site).
 */
export function masterMemberTarget(
  spec: Site & { masters: readonly HostSpec[] },
  host: HostSpec,
  member: {
    kind: QuorumKind;
    part: string;
    label: string;
    port: number;
    tls?: boolean;
    mustServe: boolean;
    myid?: number;
  },
): QuorumMemberTarget {
  return {
    ...(member.tls ? { tls: true } : {}),
    ...(member.myid !== undefined ? { myid: member.myid } : {}),
    kind: member.kind,
    what: `${member.label} ${containerName(spec, member.part, host.id)}`,
    self: partAddress(spec, member.part, host),
    others: spec.masters
      .filter((h) => h.id !== host.id)
      .map((h) => partAddress(spec, member.part, h)),
    port: member.port,
    resolveWithDocker: spec.local,
    mustServe: member.mustServe,
  };
}

/** What the programs that ask a quorum's members start with: a member's address and how to ask it. */
export const MEMBER_ACCESS = [
  'const e = process.env, net = require("node:net"), cp = require("node:child_process");',
  'const end = Date.now() + Number(e.PROBE_TIMEOUT_SECONDS) * 1000, port = Number(e.PROBE_PORT); let last = "no answer";',
  // A container once found keeps its address (the local stack gives each member a fixed one): asked of Docker once.
  "const found = new Map();",
  'const addr = (m) => { if (found.has(m)) return found.get(m); const a = e.PROBE_RESOLVE !== "docker" ? m : cp.execFileSync("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", m], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();',
  '  if (a === "") throw new Error(`${m} has no address`); found.set(m, a); return a; };',
  'const word = (a, w) => new Promise((ok, fail) => { let b = ""; const s = net.connect(port, a, () => s.end(w));',
  '  s.setTimeout(1000, () => { s.destroy(); fail(new Error(`${w} timed out`)); }); s.on("data", (d) => (b += d)); s.on("end", () => ok(b)); s.on("error", fail); });',
  'const srvr = (a) => word(a, "srvr");',
  // ZooKeeper: the members a serving member's `conf` lists, each `{ id, address }`, from its lines
  // `server.<id>=<address>:<peer>:<election>[:<role>][;<client>]`.
  'const confMembers = async (a) => (await word(a, "conf")).split("\\n").flatMap((l) => { const m = /^server\\.(\\d+)=([^:;\\s]+)/.exec(l); return m ? [{ id: Number(m[1]), address: m[2] }] : []; });',
  'const base = (a) => `${e.PROBE_TLS ? "https" : "http"}://${a}:${port}`;',
  ...HTTP_ASK_LINES,
  "const get = async (a, p) => { const r = await ask(`${base(a)}${p}`); if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`); return JSON.parse(r.body); };",
  // Every address the name resolves to (IPv4 and IPv6 alike: a dual-stack name may give IPv6 first),
  // and whether a raft address (`ip:port`, `[ip]:port`) is one of them.
  'const ipsOf = async (a) => (await require("node:dns").promises.lookup(a, { all: true })).map((r) => r.address);',
  "const isOneOf = (ips, raft) => ips.some((ip) => raft.startsWith(`${ip}:`) || raft.startsWith(`[${ip}]:`));",
];

/** The probe: every 100 ms, each question bounded to 1 s, until ready or timed out. */
export const QUORUM_PROBE_PROGRAM = [
  ...MEMBER_ACCESS,
  // /v1/agent/self is no use here: without a leader Consul 1.16 holds it for seconds.
  'const answers = async (a) => e.PROBE_KIND === "zookeeper" ? (await srvr(a), true) : (await get(a, "/v1/status/leader"), true);',
  "const serves = async (a) => {",
  '  if (e.PROBE_KIND === "zookeeper") return /^Mode: (leader|follower)$/m.test(await srvr(a));',
  '  const leader = await get(a, "/v1/status/leader"); return leader !== "";',
  "};",
  // Why the member itself does not serve yet, for the message on timeout.
  "const no = (why) => { last = why; return false; };",
  "const selfServes = async (a) => {",
  '  if (e.PROBE_KIND === "zookeeper") return (await serves(a)) || no("not serving: its srvr answer has no Mode: leader or follower");',
  '  if (!(await serves(a))) return no("no leader known"); const mine = await ipsOf(a);',
  '  return (await get(a, "/v1/status/peers")).some((p) => isOneOf(mine, p)) || no(`${mine.join(" or ")} not among the raft peers`);',
  "};",
  // ZooKeeper: the address a serving member lists for this member's myid.
  "const listedAt = async (a) => (await confMembers(a)).find((l) => l.id === Number(e.PROBE_ZK_MYID))?.address;",
  "const quietly = (f) => f().catch((x) => { last = x.message; return false; });",
  "(async () => { for (;;) {",
  "  const self = await quietly(async () => addr(e.PROBE_SELF));",
  "  if (self && (await quietly(() => selfServes(self)))) return;",
  '  const others = (e.PROBE_OTHERS ?? "").split(",").filter((m) => m !== "");',
  "  let anyServes = false, elsewhere;",
  "  for (const m of others) if (await quietly(async () => serves(addr(m)))) {",
  "    anyServes = true;",
  "    if (e.PROBE_ZK_MYID) { const at = await quietly(async () => listedAt(addr(m))); if (at && at !== e.PROBE_SELF) elsewhere = `${m} lists it at ${at}`; }",
  "    break; }",
  "  if (self && elsewhere && (await quietly(() => answers(self)))) { console.log(`${e.PROBE_WHAT}: answers; joins as the others take the new list (${elsewhere})`); return; }",
  "  if (self && !anyServes && !e.PROBE_MUST_SERVE && (await quietly(() => answers(self)))) return;",
  "  if (Date.now() > end) { console.error(`${e.PROBE_WHAT}: not back in its quorum after ${e.PROBE_TIMEOUT_SECONDS}s (${last})`); process.exit(1); }",
  "  await new Promise((r) => setTimeout(r, 100)); } })();",
].join("\n");

/**
 * Run as a Consul server's readiness is deleted, which comes just before its container stops: if
 * it leads, it hands the leadership to another server first (`/v1/operator/raft/transfer-leader`)
 * and waits up to 5 s for the new leader, so writes see no election timeout. Where Consul's ACLs
 * are on, the handover (operator write) takes the token in CONSUL_HTTP_TOKEN. It never fails: a
 * server that does not answer any more cannot hand anything over, and the others elect.
 */
export const CONSUL_HANDOVER_PROGRAM = [
  ...MEMBER_ACCESS,
  "(async () => { try {",
  "  const a = addr(e.PROBE_SELF), mine = await ipsOf(a);",
  '  if (!isOneOf(mine, await get(a, "/v1/status/leader"))) return;',
  '  const headers = e.CONSUL_HTTP_TOKEN ? { "X-Consul-Token": e.CONSUL_HTTP_TOKEN } : {};',
  '  await ask(`${base(a)}/v1/operator/raft/transfer-leader`, { method: "POST", headers, ms: 5000 });',
  "  for (let i = 0; i < 50; i++) {",
  '    const l = await get(a, "/v1/status/leader").catch(() => "");',
  '    if (l !== "" && !isOneOf(mine, l)) return;',
  "    await new Promise((r) => setTimeout(r, 100)); }",
  "} catch (x) { console.error(`${e.PROBE_WHAT}: leadership not handed over (${x.message})`); } })();",
].join("\n");

/** The shell command that hands a leading Consul server's leadership over (`CONSUL_HANDOVER_PROGRAM`). */
export const CONSUL_HANDOVER_COMMAND = 'node -e "$CONSUL_HANDOVER_PROGRAM"';

/** The shell command that runs the quorum probe; its target is in the environment. */
export const QUORUM_PROBE_COMMAND = 'node -e "$QUORUM_PROBE_PROGRAM"';

/** The environment of `QUORUM_PROBE_COMMAND` for `target`. */
export function quorumProbeEnvironment(
  target: QuorumMemberTarget,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    QUORUM_PROBE_PROGRAM,
    ...(target.kind === "consul" ? { CONSUL_HANDOVER_PROGRAM } : {}),
    PROBE_KIND: target.kind,
    PROBE_WHAT: target.what,
    PROBE_SELF: target.self,
    PROBE_OTHERS: target.others.join(","),
    PROBE_PORT: String(target.port),
    ...(target.tls ? { PROBE_TLS: "1" } : {}),
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    ...(target.resolveWithDocker ? { PROBE_RESOLVE: "docker" } : {}),
    ...(target.mustServe ? { PROBE_MUST_SERVE: "1" } : {}),
    ...(target.myid !== undefined ? { PROBE_ZK_MYID: String(target.myid) } : {}),
  };
}
