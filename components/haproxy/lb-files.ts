/**
 * The files of a load balancer besides the HAProxy template: consul-template's config, the
 * reload command it runs, and the start script. HAProxy runs in master-worker mode; a new
 * rendering replaces the live config only after `haproxy -c` accepted it, and the master reloads
 * its workers through the master CLI (listening sockets are passed on, so no connection is refused).
 * A new balancer listens only once consul-template's first rendering gave it its servers: until
 * then its clients are refused and go to another balancer, where a balancer without servers would
 * answer them with errors.
 */
import { ConsulTemplateClient, renderConsulTemplateBlock } from "../consul/consul-template-block";
import { FALLBACK_SUFFIX, HAPROXY_CONFIG_HEADER } from "./haproxy-config";

export const LB_PATHS = {
  template: "/etc/haproxy/haproxy.cfg.ctmpl",
  candidate: "/etc/haproxy/candidate.cfg",
  live: "/etc/haproxy/haproxy.cfg",
  consulTemplateConfig: "/etc/consul-template/lb.hcl",
  reload: "/usr/local/bin/lb-reload",
  start: "/usr/local/bin/lb-start",
  runDir: "/var/run/haproxy",
} as const;

export interface ConsulTemplateOptions {
  /** Where consul-template finds its host's Consul (`consulTemplateClientFor`). */
  consul: ConsulTemplateClient;
  /** Quiescence: wait this long for more changes before rendering. */
  waitMin: string;
  waitMax: string;
}

/**
 * consul-template's config. It retries Consul forever and keeps the last rendering while Consul
 * is unreachable, so a transient Consul failure never renders empty backends.
 */
export function renderConsulTemplateConfig(o: ConsulTemplateOptions): string {
  return `${renderConsulTemplateBlock({ ...o.consul, maxBackoff: "5s" })}
log_level = "info"
kill_signal = "SIGTERM"

template {
  source          = "${LB_PATHS.template}"
  destination     = "${LB_PATHS.candidate}"
  command         = "${LB_PATHS.reload}"
  command_timeout = "30s"
  perms           = 0644
  wait {
    min = "${o.waitMin}"
    max = "${o.waitMax}"
  }
}
`;
}

/**
 * Held by the start script from HAProxy's start until its master wrote its pid file, and by each
 * reload: a rendering that comes while HAProxy starts is reloaded once the master is there.
 */
const START_LOCK = `${LB_PATHS.runDir}/start.lock`;
/** Written by HAProxy's master once it has read its config; removed by the start script first. */
const MASTER_PID_FILE = `${LB_PATHS.runDir}/haproxy.pid`;

/**
 * The reload command: check the candidate, swap it in, reload the master; keep the old config on
 * failure. Before HAProxy has started, the candidate is only installed: the start script starts
 * HAProxy with it.
 */
export function renderReloadScript(): string {
  return `#!/bin/sh
# Run by consul-template after each rendering of ${LB_PATHS.candidate}.
set -u
exec 9>${START_LOCK}
flock 9
if ! out=$(haproxy -c -q -f ${LB_PATHS.candidate} 2>&1); then
  echo "lb-reload: candidate rejected by haproxy -c, the running config stays: $out" >&2
  exit 0
fi
if cmp -s ${LB_PATHS.candidate} ${LB_PATHS.live}; then
  exit 0
fi
cp ${LB_PATHS.candidate} ${LB_PATHS.live}.new && mv ${LB_PATHS.live}.new ${LB_PATHS.live}
if [ ! -s ${MASTER_PID_FILE} ]; then
  echo "lb-reload: first configuration installed $(date -u +%Y-%m-%dT%H:%M:%S.%3NZ); HAProxy starts with it"
  exit 0
fi
# Checked servers keep their state and address across the reload (server-state-file in the
# config). The unchecked fallbacks do not: nothing would ever bring one back up from a state it
# was saved in (DOWN, after a stopped instance's name stopped resolving), so each starts afresh.
echo "show servers state" | socat -t 5 stdio unix-connect:${LB_PATHS.runDir}/admin.sock 2>/dev/null \
  | awk '$4 !~ /${FALLBACK_SUFFIX}$/' >${LB_PATHS.runDir}/server-state.new \
  && [ -s ${LB_PATHS.runDir}/server-state.new ] \
  && mv ${LB_PATHS.runDir}/server-state.new ${LB_PATHS.runDir}/server-state
# The master CLI is closed while the master re-executes itself for the previous reload, and a
# reload sent just before that re-exec, or a signal arriving during it, is lost: send the reload
# until the master's reload counter (\`show proc\`) moved on, before falling back to SIGUSR2.
cli() { echo "$1" | socat -t 5 stdio unix-connect:${LB_PATHS.runDir}/master.sock 2>/dev/null; }
reloads() { cli "show proc" | awk '$2 == "master" { print $3; exit }'; }
i=0
while [ $i -lt 20 ]; do
  before=$(reloads)
  if [ -n "$before" ] && cli reload >/dev/null; then
    j=0
    while [ $j -lt 25 ]; do
      sleep 0.1
      now=$(reloads)
      if [ -n "$now" ] && [ "$now" -gt "$before" ]; then
        echo "lb-reload: reloaded $(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
        exit 0
      fi
      j=$((j + 1))
    done
  fi
  i=$((i + 1))
  sleep 0.2
done
echo "lb-reload: the master did not reload through its CLI; sending SIGUSR2" >&2
kill -USR2 "$(cat ${MASTER_PID_FILE})"
`;
}

/** Seconds between the start script's lines while it waits for the first rendering. */
export const FIRST_RENDERING_NOTICE_SECONDS = 30;

/** The start script's preparation: run dir, a pid file and a config from before, the server state. */
function startPreparation(): string {
  return `mkdir -p ${LB_PATHS.runDir}
# A pid file left by the run before a restart names no master of this one.
rm -f ${MASTER_PID_FILE}
# The last configuration rendered here survives a restart of the container; any other file at
# that path (the one the haproxy package installs) is removed: HAProxy waits for a rendering.
rendered() {
  local first=
  [ -s ${LB_PATHS.live} ] && IFS= read -r first <${LB_PATHS.live} || true
  [[ $first == '${HAPROXY_CONFIG_HEADER}'* ]]
}
rendered || rm -f ${LB_PATHS.live}
# An empty server state (format version 1) until the first reload saves one.
[ -f ${LB_PATHS.runDir}/server-state ] || echo 1 >${LB_PATHS.runDir}/server-state
`;
}

/** The start script's wait for consul-template's first rendering, which lb-reload installs. */
function firstRenderingWait(): string {
  return `# No listener before there are servers: a client refused here goes to another balancer.
waited=0
until rendered; do
  if [ $stopping = 1 ]; then wait $ct_pid 2>/dev/null || true; exit 0; fi
  if ! kill -0 $ct_pid 2>/dev/null; then
    status=0
    wait $ct_pid || status=$?
    echo "lb-start: consul-template exited ($status) before its first rendering" >&2
    exit $((status == 0 ? 1 : status))
  fi
  if [ $((waited % (${FIRST_RENDERING_NOTICE_SECONDS} * 10))) = 0 ]; then
    echo "lb-start: waiting for consul-template's first rendering (${LB_PATHS.candidate}) before HAProxy listens; $((waited / 10)) s so far"
  fi
  sleep 0.1
  waited=$((waited + 1))
done
`;
}

/**
 * The start script's start of the HAProxy master, holding the lock until it wrote its pid file:
 * renderings from then on are reloaded.
 */
function haproxyStart(): string {
  return `exec 9>${START_LOCK}
flock 9
haproxy -W -db -S ${LB_PATHS.runDir}/master.sock,mode,600 -p ${MASTER_PID_FILE} -f ${LB_PATHS.live} &
haproxy_pid=$!
[ $stopping = 0 ] || kill -USR1 $haproxy_pid
while [ ! -s ${MASTER_PID_FILE} ] && kill -0 $haproxy_pid 2>/dev/null; do sleep 0.05; done
flock -u 9
exec 9>&-
`;
}

/**
 * Start script: consul-template, then the HAProxy master once a rendering is live (at once after
 * a restart of the container, which keeps the last one); either exiting stops the container.
 * `docker stop` (the image's SIGUSR1, or SIGTERM) stops HAProxy softly: its listeners close at
 * once, so new clients go to the other balancers, and it exits once the connections it holds have
 * ended (at most `hard-stop-after`, or Docker's grace).
 */
export function renderStartScript(): string {
  return `#!/bin/bash
set -euo pipefail
${startPreparation()}haproxy_pid=
ct_pid=
stopping=0
stop_softly() {
  stopping=1
  [ -z "$ct_pid" ] || kill -TERM $ct_pid 2>/dev/null || true
  [ -z "$haproxy_pid" ] || kill -USR1 $haproxy_pid 2>/dev/null || true
}
trap stop_softly USR1 TERM INT
consul-template -config ${LB_PATHS.consulTemplateConfig} &
ct_pid=$!
${firstRenderingWait()}${haproxyStart()}status=0
wait -n $haproxy_pid $ct_pid || status=$?
if [ $stopping = 1 ]; then
  # A signal ends a wait: wait again until HAProxy has let its last connection go.
  while kill -0 $haproxy_pid 2>/dev/null; do wait $haproxy_pid || true; done
  wait $ct_pid 2>/dev/null || true
  exit 0
fi
# One of them ended by itself: the other stops too, and the restart policy starts both again.
kill -TERM $ct_pid $haproxy_pid 2>/dev/null || true
wait || true
exit $status
`;
}
