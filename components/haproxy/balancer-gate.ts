// The step an instance replaced in its place waits on before the next one begins: every balancer
// serves the new instance (its checked server UP), as that balancer's own admin socket says. Pure:
// the command and its environment, from the plan.
import { containerName } from "../core/endpoints";
import { LoadBalancersSpec, PlacedService } from "../core/platform-spec";
import { READY_TIMEOUT_SECONDS } from "../core/readiness";
import { backendName, FALLBACK_SUFFIX } from "./haproxy-config";
import { LB_PATHS } from "./lb-files";

/** How the machine running `pulumi up` reaches a host's Docker Engine: as its provider does. */
export interface EngineEndpoint {
  /** `ssh://user@host[:port]`, `tcp://host:2376` or `unix:///var/run/docker.sock`. */
  host: string;
  /** For `tcp://` with TLS: the folder of `ca.pem`, `cert.pem` and `key.pem`. */
  certPath?: string;
  /** For `ssh://`: the options the host's provider gives `ssh` (a key, a port, a config). */
  sshOpts?: string[];
}

/** A balancer as the gate asks it: its host's id, its Engine and its container's name. */
export interface GateBalancer {
  id: string;
  engine: EngineEndpoint;
  container: string;
}

/**
 * A script run in a balancer's container (`sh -c SCRIPT gate BACKEND SERVER SECONDS`): asks
 * HAProxy's admin socket for the backend's servers (`show servers state BACKEND`: field 4 the
 * server's name, 6 its operational state, 7 its administrative state) every 250 ms, and judges
 * each answer with `judge` (shell lines that exit 0 when it passes and otherwise set `seen`);
 * after SECONDS, echoes `report` (what it saw last) and fails.
 */
function adminSocketWait(judge: string[], report: string): string {
  return [
    'b="$1"; s="$2"; end=$(( $(date +%s) + $3 )); seen=""',
    "while :; do",
    `  if out=$(echo "show servers state $b" | socat -t 2 stdio unix-connect:${LB_PATHS.runDir}/admin.sock 2>&1); then`,
    ...judge,
    "  else",
    '    seen="its admin socket did not answer"',
    "  fi",
    `  [ "$(date +%s)" -ge "$end" ] && { echo "${report}"; exit 1; }`,
    "  sleep 0.25",
    "done",
  ].join("\n");
}

/**
 * The served gate's wait (`adminSocketWait`): passes once the server is UP (operational state 2
 * is running, administrative state 0 in service).
 */
export const IN_BALANCER_SCRIPT = adminSocketWait(
  [
    `    seen=$(printf '%s\\n' "$out" | awk -v s="$s" '$4 == s { st = "DOWN"; if ($6 == 1) st = "STARTING"; if ($6 == 2) st = "UP"; if ($6 == 3) st = "STOPPING"; if ($7 != 0) st = "MAINT"; print st; exit }')`,
    '    [ "$seen" = UP ] && exit 0',
    "    seen=${seen:-not in its configuration}",
  ],
  "$s in $b: $seen",
);

/**
 * The drain's wait (`adminSocketWait`): passes once HAProxy no longer has the server in service
 * in the backend, neither checked nor as its fallback (`<server>-fallback`): both gone from its
 * configuration (consul-template rendered the deregistration and HAProxy reloaded), or put in
 * maintenance; also once the backend itself is gone.
 */
export const DRAINED_IN_BALANCER_SCRIPT = adminSocketWait(
  [
    `    seen=$(printf '%s\\n' "$out" | awk -v s="$s" -v f="$s${FALLBACK_SUFFIX}" '($4 == s || $4 == f) && $7 == 0 { print $4; exit }')`,
    '    [ -z "$seen" ] && exit 0',
    '    seen="$seen in $b still in service"',
  ],
  "$seen",
);

/**
 * The gate program (Node, where `pulumi up` runs): `IN_BALANCER_SCRIPT` in every balancer's
 * container at once, each through that balancer's Engine: over `ssh` with the host's `sshOpts`
 * and the host's own Docker CLI for an `ssh://` Engine (one SSH session), with the Docker CLI
 * here for any other. Passes when every one has passed. A balancer whose Engine does not answer
 * is asked again every 0.5 s until the time is up; each ask is cut 10 s past it, and the whole
 * program 30 s past it, so no Engine holds the `up` much longer. A missing `ssh` or `docker`
 * here fails at once. On failure it names each balancer that did not pass and why. With
 * `GATE_GONE_PASSES`, a balancer whose container does not exist or is not running passes (it
 * sends nothing: what a drain asks). The port
 * guards' readiness (hosts/port-guard.ts) runs it with a script of theirs in each guard's
 * container, and `GATE_FAILURE` for what its failure says, `GATE_HINT` for what to do then.
 */
export const GATE_PROGRAM = [
  'const { execFile } = require("node:child_process"); const e = process.env, T = Number(e.GATE_TIMEOUT_SECONDS);',
  "const balancers = JSON.parse(e.GATE_BALANCERS), end = Date.now() + T * 1000, why = new Map();",
  "const GONE = /No such container|is not running/i;",
  "const q = (a) => `'${a.replace(/'/g, `'\\\\''`)}'`;",
  'const argv = (b, left) => { const run = ["exec", b.container, "sh", "-c", e.GATE_SCRIPT, "gate", e.GATE_BACKEND, e.GATE_SERVER, left];',
  '  const u = new URL(b.engine.host); if (u.protocol !== "ssh:") return ["docker", ["-H", b.engine.host, ...run]];',
  '  const at = `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.hostname}`;',
  '  return ["ssh", [...(b.engine.sshOpts ?? []), ...(u.port ? ["-p", u.port] : []), at, "--", ["docker", ...run].map(q).join(" ")]]; };',
  "const ask = (b) => new Promise((done) => {",
  "  const left = Math.max(1, Math.ceil((end - Date.now()) / 1000)), [cmd, args] = argv(b, String(left));",
  '  const env = { ...process.env, ...(b.engine.certPath ? { DOCKER_CERT_PATH: b.engine.certPath, DOCKER_TLS_VERIFY: "1" } : {}) };',
  '  execFile(cmd, args, { env, encoding: "utf8", timeout: (left + 10) * 1000, killSignal: "SIGKILL" }, (x, out, err) => {',
  '    if (x && x.code === "ENOENT") { console.error(`${e.GATE_WHAT}: no ${cmd} on this machine to ask ${b.id} with`); process.exit(1); }',
  "    const said = `${out}${err}`.trim(); if (x && !x.killed && e.GATE_GONE_PASSES && GONE.test(said)) return done(undefined);",
  "    done(!x ? undefined : x.killed ? `no answer within ${left + 10}s` : said || `exit status ${x.code}`); }); });",
  "const until = async (b) => { for (;;) { const w = await ask(b); if (w === undefined) return why.delete(b.id);",
  "  why.set(b.id, w); if (Date.now() >= end) return; await new Promise((r) => setTimeout(r, 500)); } };",
  'const fail = () => { console.error(`${e.GATE_WHAT}: ${e.GATE_FAILURE ?? "not served by every balancer"} after ${T}s (${[...why].map(([id, w]) => `${id}: ${w}`).join("; ")})${e.GATE_HINT ? `; ${e.GATE_HINT}` : ""}`); process.exit(1); };',
  'for (const b of balancers) why.set(b.id, "no answer");',
  "const dog = setTimeout(fail, (T + 30) * 1000);",
  "Promise.all(balancers.map(until)).then(() => { clearTimeout(dog); if (why.size > 0) fail(); });",
].join("\n");

/** The shell command of the gate; what it waits for is in its environment (`gateEnvironment`). */
export const GATE_COMMAND = 'node -e "$GATE_PROGRAM"';

/**
 * The gate of an instance on a failed host, made there for the first time (a platform upgrade
 * while the host is down): nothing can serve it, so it passes at once. And the step's update: a
 * change of its environment alone (a balancer added, removed, failed or back) asks nothing; the
 * gate runs whenever its instance's container is new (the step is made anew with it).
 */
export const UNGATED_COMMAND = "exit 0";

/**
 * The balancers that gate an instance: every load balancer of the stack but those on failed
 * hosts (nothing on them answers), each with its Engine as `engineOf` gives it.
 */
export function gateBalancers(
  spec: Pick<LoadBalancersSpec, "stack" | "local" | "loadBalancers">,
  isFailed: (hostId: string) => boolean,
  engineOf: (hostId: string) => EngineEndpoint,
): GateBalancer[] {
  return spec.loadBalancers
    .filter((lb) => !isFailed(lb.id))
    .map((lb) => ({
      id: lb.id,
      engine: engineOf(lb.id),
      container: containerName(spec, "lb", lb.id),
    }));
}

/** The environment of `GATE_COMMAND` for instance `serverId` of `service`. */
export function gateEnvironment(
  service: PlacedService,
  serverId: string,
  balancers: GateBalancer[],
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    GATE_PROGRAM,
    GATE_SCRIPT: IN_BALANCER_SCRIPT,
    GATE_WHAT: `instance ${serverId} of ${service.name}`,
    GATE_BACKEND: backendName(service),
    GATE_SERVER: serverId,
    GATE_BALANCERS: JSON.stringify(balancers),
    GATE_TIMEOUT_SECONDS: String(timeoutSeconds),
  };
}

/**
 * Seconds a drain waits for every balancer to let an instance go before its container stops
 * anyway: a drain never fails the `up`; it says which balancer still had the instance.
 */
export const DRAIN_GATE_SECONDS = 20;

/**
 * The drain of an instance, run between its deregistration and its container's stop: passes once
 * no balancer has it in service any more (`DRAINED_IN_BALANCER_SCRIPT`), at most
 * `DRAIN_GATE_SECONDS`, and never fails.
 */
export const DRAIN_GATE_COMMAND = `${GATE_COMMAND} || true`;

/**
 * The environment of `DRAIN_GATE_COMMAND` for instance `serverId` of `service`: the balancers as
 * `gateBalancers` gives them; one whose container is gone or stopped counts as drained.
 */
export function drainEnvironment(
  service: PlacedService,
  serverId: string,
  balancers: GateBalancer[],
  timeoutSeconds = DRAIN_GATE_SECONDS,
): Record<string, string> {
  return {
    ...gateEnvironment(service, serverId, balancers, timeoutSeconds),
    GATE_SCRIPT: DRAINED_IN_BALANCER_SCRIPT,
    GATE_FAILURE: "still in service on a balancer; stopped anyway",
    GATE_GONE_PASSES: "1",
  };
}
