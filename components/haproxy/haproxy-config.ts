import { PlacedService } from "../core/platform-spec";
import { bridgePort } from "../services/service-containers";

/** An instance as the load balancer sees it. */
export interface BackendServer {
  id: string;
  address: string;
  port: number;
  /** False for an instance registered but not passing in Consul: a fallback only. Default true. */
  passing?: boolean;
  /** Where its HTTP bridge answers, for a command-checked service: its bridge port by default. */
  checkPort?: number;
}

export interface HaproxyOptions {
  stack: string;
  maxconn: number;
  statsPort: number;
  /** The address the stats page listens on: an IPv4 address, or `*`. */
  statsAddress: string;
  /** Where the master CLI and admin socket live. */
  runDir: string;
  /**
   * Re-resolve the servers' names at run time through the DNS of resolv.conf: on the local stack,
   * where an instance is a container name whose address changes when it is replaced. On real hosts
   * an instance's address is its host's name, resolved once per (re)load by the system resolver,
   * which reads /etc/hosts too (HAProxy's own resolvers ask DNS only, and mark a server that DNS
   * does not know as down for maintenance).
   */
  reResolve: boolean;
}

/** Seconds as HAProxy reads a time: whole seconds as `Ns`, others in whole milliseconds (it takes no fraction). */
export function haproxyTime(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.max(1, Math.round(seconds * 1000))}ms`;
}

/** Frontend/backend names of a service. */
export function backendName(service: Pick<PlacedService, "key">): string {
  return `be_${service.key.replace(/-/g, "_")}`;
}

/** True when the balancer opens each connection to an instance with a PROXY v2 header. */
function sendsProxy(service: PlacedService): boolean {
  return service.protocol === "tcp" && service.proxyProtocol;
}

/**
 * The server options of an instance: HAProxy's own active checks, every 200 ms; one failure hides
 * it, two successes (every 500 ms while it is down) bring it back. A crashed instance's address
 * refuses connections, or, while Docker restarts the container, answers nothing (a check's
 * connect gives up after `timeout connect`, 100 ms): hidden within about 0.3 s. A hung one, whose
 * checks time out after `timeout check` (200 ms), within about 0.4 s. The live traffic is observed
 * too: a refused or reset connection marks the instance down at once (the request is retried
 * elsewhere). PROXY protocol for TCP services that accept it, the HTTP bridge port for `command`
 * checks. Each check is a connection to the instance: 5 a second per balancer, what an idle
 * instance mostly spends (the bench prints it).
 */
export function serverOptions(
  service: PlacedService,
  o: Pick<HaproxyOptions, "reResolve">,
  checkPort: number | string = bridgePort(service),
): string {
  const opts = [
    "check",
    "inter 200ms",
    "fastinter 100ms",
    "downinter 500ms",
    "rise 2",
    "fall 1",
    "observe layer4",
    "error-limit 1",
    "on-error mark-down",
    "init-addr last,libc,none",
    ...(o.reResolve ? ["resolvers docker"] : []),
  ];
  if (sendsProxy(service)) opts.push("send-proxy-v2");
  if (service.check.command) opts.push(`port ${checkPort}`);
  return opts.join(" ");
}

function checkLines(service: PlacedService): string[] {
  const c = service.check;
  if (c.http) return [`    option httpchk GET ${c.http}`, "    http-check expect status 200"];
  if (c.command)
    return [`    option httpchk GET ${c.bridgePath}`, "    http-check expect status 200"];
  return ["    option tcp-check", "    tcp-check connect"];
}

/**
 * haproxy.cfg for the given services. `servers(service)` yields the server lines of a backend: a
 * consul-template range over Consul's healthy instances for the template, concrete lines for a
 * sample rendering, so the two can never drift apart.
 */
export function renderHaproxyConfig(
  services: readonly PlacedService[],
  o: HaproxyOptions,
  servers: (s: PlacedService, o: HaproxyOptions) => string[],
): string {
  const out = [...haproxyHead(o)];
  for (const s of [...services].sort((a, b) => a.port - b.port))
    out.push(...serviceSection(s, servers(s, o)));
  return out.join("\n") + "\n";
}

/** How every configuration the platform renders for HAProxy begins (then the stack's name). */
export const HAPROXY_CONFIG_HEADER = "# HAProxy of stack ";

/** The global, resolvers, defaults and stats sections. */
function haproxyHead(o: HaproxyOptions): string[] {
  return [
    `${HAPROXY_CONFIG_HEADER}${o.stack}; generated, do not edit`,
    "global",
    "    master-worker",
    `    maxconn ${o.maxconn}`,
    `    stats socket ${o.runDir}/admin.sock mode 600 level admin expose-fd listeners`,
    "    stats timeout 30s",
    "    log stdout format raw local0 info",
    "    hard-stop-after 30s",
    // The reload saves every server's state and address here first, so new workers start with
    // what the old ones knew instead of resolving names again (a server that does not resolve at
    // that moment would start in maintenance).
    `    server-state-file ${o.runDir}/server-state`,
    "",
    ...(o.reResolve ? ["resolvers docker", "    parse-resolv-conf", "    hold valid 10s", ""] : []),
    "defaults",
    "    log global",
    "    option dontlognull",
    // A connection to a live instance is set up in well under a millisecond on the platform
    // network; one to a crashed instance's address may get no answer at all, and the check or
    // request waiting on it should give up soon (a request is retried on another instance).
    "    timeout connect 100ms",
    "    timeout client 30s",
    "    timeout server 5s",
    "    timeout http-keep-alive 10s",
    "    timeout check 200ms",
    "    load-server-state-from-file global",
    "    option redispatch 1",
    "    retries 3",
    "",
    "frontend stats",
    "    mode http",
    `    bind ${o.statsAddress}:${o.statsPort}`,
    "    http-request return status 200 content-type text/plain string ok if { path /healthz }",
    "    stats enable",
    "    stats uri /stats",
    "    stats refresh 5s",
    "    stats show-legends",
  ];
}

/** A service's frontend and its backend with `serverLines`. */
function serviceSection(s: PlacedService, serverLines: string[]): string[] {
  const be = backendName(s);
  const http = s.protocol === "http";
  return [
    "",
    `frontend fe_${s.key.replace(/-/g, "_")}`,
    `    bind *:${s.port}`,
    ...(http
      ? [
          "    mode http",
          "    option httplog",
          "    option forwardfor",
          "    option http-keep-alive",
          "    option idle-close-on-response",
          // An instance's own admin endpoints (the platform image's /admin/health switch) answer
          // its operator on its own address, never a client through the balancers.
          "    http-request deny deny_status 403 if { path_beg -i /admin }",
        ]
      : ["    mode tcp", "    option tcplog"]),
    `    default_backend ${be}`,
    "",
    `backend ${be}`,
    `    mode ${s.protocol}`,
    "    balance roundrobin",
    `    timeout server ${haproxyTime(s.requestTimeoutSeconds)}`,
    ...(http
      ? [
          "    retry-on conn-failure empty-response response-timeout 502 503 504",
          "    http-request disable-l7-retry if !METH_GET !METH_HEAD !METH_OPTIONS",
        ]
      : []),
    ...checkLines(s),
    ...serverLines,
  ];
}

/** What a fallback server's name adds to its instance's. */
export const FALLBACK_SUFFIX = "-fallback";

/** The health states of the instances that get a fallback: all but an operator's maintenance. */
const REGISTERED_STATES = "passing,warning,critical";

/** The checked server line of an instance at `address` (`host:port`), its bridge at `checkPort`. */
function checkedServerLine(
  s: PlacedService,
  o: Pick<HaproxyOptions, "reResolve">,
  id: string,
  address: string,
  checkPort?: number | string,
): string {
  return `    server ${id} ${address} ${serverOptions(s, o, checkPort)}`;
}

/**
 * Where consul-template finds an instance's HTTP bridge: a `pulumi`-mode instance publishes it on
 * its fixed port (`bridgePort`); a Marathon task on the host port the agent gave it, which its
 * task registrar puts in the registration (`check_port`).
 */
function templateCheckPort(s: PlacedService): number | string {
  return s.mode === "marathon" ? "{{ .ServiceMeta.check_port }}" : bridgePort(s);
}

/** The unchecked backup line of an instance at `address` (`host:port`). */
function fallbackServerLine(s: PlacedService, id: string, address: string): string {
  const proxy = sendsProxy(s) ? " send-proxy-v2" : "";
  return `    server ${id}${FALLBACK_SUFFIX} ${address} backup init-addr libc,none${proxy}`;
}

/**
 * A service's servers, as consul-template renders them from the instances Consul holds: every
 * passing instance as a checked server, then every instance registered, whatever its checks say
 * (but not one an operator put in maintenance), as an unchecked `backup` (`<id>-fallback`). A
 * backup takes traffic only while no checked server is up, so the checks keep hiding a crashed or
 * hung instance while others serve. But when every instance is hidden at once, by the balancer's
 * own checks (a check or two answered after `timeout check` by the one instance a release or a
 * lost host left, on a busy host) or by Consul (consul-esm's checks time out as well, and one
 * failure is critical), clients are still sent to the instances the platform runs rather than
 * turned away: what Envoy calls its panic threshold. A refused connection to a backup is retried
 * on another (`retries`, `redispatch`); an instance being drained is deregistered first, so it
 * leaves both lists. The backup sends the PROXY protocol as its twin does. Its address is resolved
 * by the system at each load only (`init-addr libc,none`): HAProxy's own resolvers leave an
 * unchecked server in maintenance (measured on the local stack), and every change of the list is
 * a reload.
 */
export function consulTemplateServers(
  stack: string,
): (s: PlacedService, o: HaproxyOptions) => string[] {
  const at = "{{ .Address }}:{{ .Port }}";
  return (s, o) => [
    `{{- range service "${stack}.${s.key}" }}`,
    checkedServerLine(s, o, "{{ .ID }}", at, templateCheckPort(s)),
    "{{- end }}",
    `{{- range service "${stack}.${s.key}|${REGISTERED_STATES}" }}`,
    fallbackServerLine(s, "{{ .ID }}", at),
    "{{- end }}",
  ];
}

/**
 * Concrete server lines, as consul-template renders them for the given instances: the passing
 * ones checked, every one as a fallback.
 */
export function sampleServers(
  instances: (s: PlacedService) => BackendServer[],
): (s: PlacedService, o: HaproxyOptions) => string[] {
  return (s, o) => {
    const all = instances(s);
    return [
      ...all
        .filter((i) => i.passing !== false)
        .map((i) => checkedServerLine(s, o, i.id, `${i.address}:${i.port}`, i.checkPort)),
      ...all.map((i) => fallbackServerLine(s, i.id, `${i.address}:${i.port}`)),
    ];
  };
}
