// The step an instance replaced in its place waits on before the next one begins: every balancer
// serves the new instance (its checked server UP), as that balancer's own admin socket says. Pure:
// the command and its environment, from the plan.
import { containerName } from "../core/endpoints";
import { LoadBalancersSpec, PlacedService } from "../core/platform-spec";
import { READY_TIMEOUT_SECONDS } from "../core/readiness";
import { backendName } from "./haproxy-config";
import { LB_PATHS } from "./lb-files";

/** How the machine running `pulumi up` reaches a host's Docker Engine: as its provider does. */
export interface EngineEndpoint {
  /** `ssh://user@host[:port]`, `tcp://host:2376` or `unix:///var/run/docker.sock`. */
  host: string;
  /** For `tcp://` with TLS: the folder of `ca.pem`, `cert.pem` and `key.pem`. */
  certPath?: string;
}

/** A balancer as the gate asks it: its host's id, its Engine and its container's name. */
export interface GateBalancer {
  id: string;
  engine: EngineEndpoint;
  container: string;
}

/**
 * Run in a balancer's container (`sh -c SCRIPT gate BACKEND SERVER SECONDS`): asks HAProxy's
 * admin socket every 100 ms until the server's status is UP; after SECONDS, says what it saw and
 * fails.
 */
export const IN_BALANCER_SCRIPT = [
  'b="$1"; s="$2"; end=$(( $(date +%s) + $3 )); st=""',
  "while :; do",
  `  st=$(echo "show stat" | socat -t 2 stdio unix-connect:${LB_PATHS.runDir}/admin.sock 2>/dev/null | awk -F, -v b="$b" -v s="$s" '$1 == b && $2 == s { print $18 }')`,
  '  [ "$st" = UP ] && exit 0',
  '  [ "$(date +%s)" -ge "$end" ] && { echo "$s in $b: ${st:-not in its configuration}"; exit 1; }',
  "  sleep 0.1",
  "done",
].join("\n");

/**
 * The gate program (Node, where `pulumi up` runs): one `docker exec` of `IN_BALANCER_SCRIPT` per
 * balancer, all at once, each through that balancer's Engine; passes when every one has passed.
 * A balancer whose Engine does not answer is asked again until the time is up. On failure it
 * names each balancer that did not pass and why.
 */
export const GATE_PROGRAM = [
  'const { execFile } = require("node:child_process"); const e = process.env;',
  "const balancers = JSON.parse(e.GATE_BALANCERS), end = Date.now() + Number(e.GATE_TIMEOUT_SECONDS) * 1000;",
  "const ask = (b) => new Promise((done) => {",
  "  const left = String(Math.max(1, Math.ceil((end - Date.now()) / 1000)));",
  '  const env = { ...process.env, ...(b.engine.certPath ? { DOCKER_CERT_PATH: b.engine.certPath, DOCKER_TLS_VERIFY: "1" } : {}) };',
  '  execFile("docker", ["-H", b.engine.host, "exec", b.container, "sh", "-c", e.GATE_SCRIPT, "gate", e.GATE_BACKEND, e.GATE_SERVER, left],',
  '    { env, encoding: "utf8" }, (x, out, err) => done(x ? `${out}${err}`.trim() || x.message : undefined)); });',
  "const until = async (b) => { for (;;) { const why = await ask(b); if (why === undefined) return;",
  "  if (Date.now() >= end) return `${b.id}: ${why}`; await new Promise((r) => setTimeout(r, 500)); } };",
  "Promise.all(balancers.map(until)).then((whys) => { const bad = whys.filter((w) => w !== undefined); if (bad.length === 0) return;",
  "  console.error(`${e.GATE_WHAT}: not served by every balancer after ${e.GATE_TIMEOUT_SECONDS}s (${bad.join('; ')})`); process.exit(1); });",
].join("\n");

/** The shell command of the gate; what it waits for is in its environment (`gateEnvironment`). */
export const GATE_COMMAND = 'node -e "$GATE_PROGRAM"';

/**
 * The gate of an instance on a failed host, made there for the first time (a platform upgrade
 * while the host is down): nothing can serve it, so it passes at once. Its environment is the
 * gate's, so once the host is back the step changes to `GATE_COMMAND` and runs it.
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
