/**
 * What the platform waits for before it goes on, judged by a direct probe of the part itself (never
 * by a Docker health check, which this Docker runs a whole interval after start): a Consul leader
 * before anything registers, a new instance answering its own check before it is registered and
 * the next instance of its service is replaced. A probe is a small Node program run where `pulumi
 * up` runs (the command provider's local command; Node is there, it runs the program), against an
 * address reachable from there: a container's address on the local stack's network, a host's
 * address at a site. The program is one constant; what differs per use is in the environment.
 */

/** Seconds a wait gives up after: what is not ready by then fails the `up`, naming what it waited for. */
export const READY_TIMEOUT_SECONDS = 120;

/**
 * Seconds an instance that does not drain itself stays up after it left Consul, before its
 * container stops, where the balancers are not known (`instanceDrain`: a DIRAC instance drains
 * itself and gets no fixed wait).
 */
export const DRAIN_SECONDS = 1.5;

/**
 * Seconds an instance that does not drain itself stays up once every balancer has let it go
 * (`DRAIN_GATE_COMMAND`): for the calls a balancer's old process still has under way to it.
 */
export const DRAIN_TAIL_SECONDS = 0.5;

/**
 * Run when an instance's readiness step is deleted, between its deregistration and its
 * container's stop, where nothing says when the balancers let it go (no balancers given):
 * consul-template waits up to 0.5 s for quiet, then HAProxy reloads; the rest is margin.
 */
export const DRAIN_COMMAND = `sleep ${DRAIN_SECONDS}`;

/** What one probe asks, as the environment of `PROBE_COMMAND`. */
export interface ProbeTarget {
  /** What is awaited, for the message on timeout. */
  what: string;
  /** `http://...`: passes on a 2xx answer. */
  http?: string;
  /** `host:port`: passes once a TCP connection is accepted. */
  tcp?: string;
  /** With `http`: the body must be neither empty nor `""` (Consul's answer while it has no leader). */
  nonEmpty?: boolean;
  /** With `http`: send a POST (an idempotent statement such as InfluxDB's `CREATE DATABASE`), not a GET. */
  post?: boolean;
}

/**
 * The lines of a deploy-time Node program that define `ask(url, { method, headers, ms })`: one
 * HTTP(S) request on a connection of its own, bounded to `ms` (1 s unless said) from start to
 * body, resolving to `{ status, ok, body }` (`ok`: a 2xx status). Node's `http`/`https` modules,
 * not `fetch`: `fetch` loads its own HTTP client at first use, which more than doubled the CPU of a
 * probe's process (about 0.2 s against 0.09 on this project's 2-core machine). Honours
 * NODE_EXTRA_CA_CERTS (`trustingProbeCa`) like any Node HTTPS client.
 */
export const HTTP_ASK_LINES = [
  "const ask = (url, o = {}) => new Promise((ok, fail) => { const u = new URL(url), ms = o.ms ?? 1000;",
  '  const q = require(u.protocol === "https:" ? "node:https" : "node:http").request(u, { method: o.method ?? "GET", headers: o.headers ?? {}, agent: false });',
  "  const t = setTimeout(() => { q.destroy(); fail(new Error(`no answer within ${ms} ms`)); }, ms);",
  '  q.on("response", (r) => { let b = ""; r.setEncoding("utf8"); r.on("data", (d) => (b += d)); r.on("error", fail);',
  '    r.on("end", () => { clearTimeout(t); ok({ status: r.statusCode, ok: r.statusCode >= 200 && r.statusCode < 300, body: b }); }); });',
  '  q.on("error", (x) => { clearTimeout(t); fail(x); }); q.end(); });',
];

/**
 * The probe program: polls every 50 ms, each try bounded to 1 s, until it passes or times out. An
 * HTTP probe sends CONSUL_HTTP_TOKEN, when its environment has one, as Consul's token header.
 */
export const PROBE_PROGRAM = [
  'const e = process.env, end = Date.now() + Number(e.PROBE_TIMEOUT_SECONDS) * 1000; let last = "no answer";',
  ...HTTP_ASK_LINES,
  "const once = () => e.PROBE_HTTP",
  '  ? ask(e.PROBE_HTTP, { method: e.PROBE_METHOD ?? "GET", headers: e.CONSUL_HTTP_TOKEN ? { "X-Consul-Token": e.CONSUL_HTTP_TOKEN } : {} }).then((r) => { const b = r.body.trim();',
  '      if (!r.ok) throw new Error(`HTTP ${r.status}`); if (e.PROBE_NON_EMPTY && (b === "" || b === \'""\')) throw new Error(`empty answer ${b}`); })',
  '  : new Promise((ok, fail) => { const i = e.PROBE_TCP.lastIndexOf(":"); const s = require("node:net").connect(Number(e.PROBE_TCP.slice(i + 1)), e.PROBE_TCP.slice(0, i));',
  '      s.setTimeout(1000, () => { s.destroy(); fail(new Error("connect timed out")); }); s.on("connect", () => { s.destroy(); ok(); }); s.on("error", fail); });',
  "(async () => { for (;;) {",
  "  try { await once(); return; } catch (x) { last = x.message; }",
  "  if (Date.now() > end) { console.error(`${e.PROBE_WHAT}: not ready after ${e.PROBE_TIMEOUT_SECONDS}s (${e.PROBE_HTTP ?? e.PROBE_TCP}: ${last})`); process.exit(1); }",
  "  await new Promise((r) => setTimeout(r, 50)); } })();",
].join("\n");

/**
 * `command` (a Node program's) run trusting the CA certificate in PROBE_CA_PEM for HTTPS, besides
 * the system's: Node reads extra CAs only from a file named by NODE_EXTRA_CA_CERTS at its start,
 * so the certificate is written to a temporary file, removed after.
 */
export function trustingProbeCa(command: string): string {
  return `ca=$(mktemp) && printf '%s\\n' "$PROBE_CA_PEM" > "$ca" || exit 1; NODE_EXTRA_CA_CERTS="$ca" ${command}; s=$?; rm -f "$ca"; exit $s`;
}

/**
 * A deploy-time command that calls Consul's API with a CA or without: `command` itself when there
 * is no CA (`ca` undefined), else `trustingProbeCa(command)`. Its environment takes
 * `probeCaEnvironment` of the same CA.
 */
export function commandTrustingCa(command: string, ca: unknown): string {
  return ca === undefined ? command : trustingProbeCa(command);
}

/** The environment entry `commandTrustingCa` reads its CA (PEM) from: none without a CA. */
export function probeCaEnvironment<T>(ca: T | undefined): { PROBE_CA_PEM?: T } {
  return ca === undefined ? {} : { PROBE_CA_PEM: ca };
}

/** The shell command that runs the probe; its target is in the environment (`probeEnvironment`). */
export const PROBE_COMMAND = 'node -e "$PROBE_PROGRAM"';

/** The environment of `PROBE_COMMAND` for `target`. */
export function probeEnvironment(
  target: ProbeTarget,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    PROBE_PROGRAM,
    PROBE_WHAT: target.what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    ...(target.http !== undefined ? { PROBE_HTTP: target.http } : {}),
    ...(target.tcp !== undefined ? { PROBE_TCP: target.tcp } : {}),
    ...(target.nonEmpty ? { PROBE_NON_EMPTY: "1" } : {}),
    ...(target.post ? { PROBE_METHOD: "POST" } : {}),
  };
}
