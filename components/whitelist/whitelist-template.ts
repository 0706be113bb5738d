/**
 * The Mesos agent whitelist, rendered by consul-template from Consul health (paper §2.3): only
 * healthy slaves are offered to the frameworks; tasks already running on an unhealthy one are
 * left alone. Pure.
 *
 * Which name goes in the file: Mesos matches whitelist lines against the hostname an agent
 * registers with (its `MESOS_HOSTNAME`), which is not a Consul field: the Consul node name is
 * `<stack>-<host id>`, and a node's address is its advertise address (a container IP on the local
 * stack). So the template maps each Consul node of the inventory to its agent's hostname, both
 * computed from the same spec here. A node not in this stack's inventory (another stack sharing
 * the datacenter registers the same service name) renders nothing.
 *
 * Mesos re-reads the file every few seconds. Before consul-template first writes it the file is
 * missing and Mesos offers every agent; once written, an empty file (no healthy slave) offers none.
 */
import { ConsulTemplateClient, renderConsulTemplateBlock } from "../consul/consul-template-block";
import { SLAVE_SERVICE } from "../consul/consul-config";
import { consulNodeName } from "../consul/consul-containers";
import { MesosSpec } from "../core/platform-spec";
import { mesosAgentHostname } from "../mesos/mesos-flags";

/** A slave as the whitelist sees it: its Consul node and the hostname its Mesos agent registers with. */
export interface WhitelistSlave {
  node: string;
  hostname: string;
}

/**
 * The slaves of the inventory, sorted by Consul node name: the order in which consul-template's
 * `service` lists healthy instances (by node, then service id), hence the order of the file.
 */
export function whitelistSlaves(spec: MesosSpec): WhitelistSlave[] {
  return spec.slaves
    .map((h) => ({ node: consulNodeName(spec, h.id), hostname: mesosAgentHostname(spec, h) }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** One line of the whitelist. The template and the sample both write lines with this, so they cannot drift. */
export function whitelistLine(hostname: string): string {
  return `${hostname}\n`;
}

/** Go template string literal (a JSON string is one for these names). */
function literal(text: string): string {
  return JSON.stringify(text);
}

/**
 * The consul-template template. `service` returns only instances whose checks all pass (the
 * slave's disk and load checks, and the Consul agent's own serf health), so a line appears only
 * while its slave is healthy.
 */
export function renderWhitelistTemplate(slaves: readonly WhitelistSlave[]): string {
  const out = [
    `{{- /* Mesos agent whitelist: healthy nodes of Consul service ${SLAVE_SERVICE}; generated, do not edit */ -}}\n`,
  ];
  out.push(`{{- range service ${literal(SLAVE_SERVICE)} }}\n`);
  slaves.forEach((s, i) => {
    // Only the first `if` trims the newline before it: an `else if` must keep the previous line's end.
    out.push(
      `{{${i === 0 ? "- if" : " else if"} eq .Node ${literal(s.node)} }}${whitelistLine(s.hostname)}`,
    );
  });
  if (slaves.length > 0) out.push("{{ end }}\n");
  out.push("{{- end -}}\n");
  return out.join("");
}

/**
 * What consul-template renders from `renderWhitelistTemplate(slaves)` when the slaves with these
 * hostnames are healthy (and the others are not): their lines, in node order.
 */
export function renderWhitelistSample(
  slaves: readonly WhitelistSlave[],
  healthyHostnames: readonly string[],
): string {
  const healthy = new Set(healthyHostnames);
  return slaves
    .filter((s) => healthy.has(s.hostname))
    .map((s) => whitelistLine(s.hostname))
    .join("");
}

export interface WhitelistRendererOptions {
  /** Where consul-template finds Consul: the server on the same master (`consulTemplateClientFor`). */
  consul: ConsulTemplateClient;
  /** Path of the template inside the renderer. */
  source: string;
  /** Path of the whitelist inside the renderer (the shared directory). */
  destination: string;
  /** Quiescence: a flapping check does not rewrite the file more often than this … */
  waitMin: string;
  /** … and a steady stream of changes still renders after this. */
  waitMax: string;
}

/** The signal the whitelist's consul-template stops on (its `kill_signal`). */
export const WHITELIST_STOP_SIGNAL = "SIGTERM";

/**
 * consul-template's config for the whitelist. It retries Consul forever and keeps the last file
 * while Consul is unreachable, so a Consul outage never empties the whitelist.
 */
export function renderWhitelistRendererConfig(o: WhitelistRendererOptions): string {
  return `${renderConsulTemplateBlock({ ...o.consul, maxBackoff: "10s" })}
log_level   = "info"
kill_signal = "${WHITELIST_STOP_SIGNAL}"

wait {
  min = ${literal(o.waitMin)}
  max = ${literal(o.waitMax)}
}

template {
  source      = ${literal(o.source)}
  destination = ${literal(o.destination)}
  perms       = 0644
}
`;
}
