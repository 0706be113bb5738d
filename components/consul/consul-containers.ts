import { zookeeperIdOf } from "../core/zookeeper-ids";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DROP_TO_OWN_USER,
  platformLabels,
  reachableAs,
  secretPlaceholder,
  UNPRIVILEGED_USER,
} from "../core/container-spec";
import { containerName, partAddress, usesHostNetwork } from "../core/endpoints";
import { physicalName } from "../core/naming";
import { ConsulSiteSpec, PlatformSpec } from "../core/platform-spec";
import { localQuorumAddress } from "../core/local-network";
import { masterMemberTarget, QuorumMemberTarget } from "../core/quorum-probe";
import { aclConfigBlock, aclEnforced, consulTokenPlaceholder } from "./consul-acl-plan";
import {
  consulApiPort,
  consulApiUrl,
  consulClientCaFiles,
  consulClientCaPath,
  consulPortsBlock,
  consulTlsFiles,
  CONSUL_TLS_PATHS,
  tlsConfigBlock,
  tlsEnforced,
} from "./consul-tls-plan";
import { ConsulTemplateClient } from "./consul-template-block";
import {
  renderConsulAgentConfig,
  renderConsulServerConfig,
  renderEsmConfig,
} from "./consul-config";

export const CONSUL_CONFIG_DIR = "/consul/config";

/** Consul node name of a host: unique per stack, so environments sharing a datacenter never clash. */
export function consulNodeName(spec: Pick<PlatformSpec, "stack">, hostId: string): string {
  return physicalName(spec.stack, hostId);
}

/** Addresses of the Consul servers (one per master). */
export function consulServerAddresses(spec: ConsulSiteSpec): string[] {
  return spec.masters.map((h) => partAddress(spec, "consul-server", h));
}

/** Hosts that run a Consul client agent: every host that is not a master (masters run a server). */
export function consulAgentHosts(spec: ConsulSiteSpec): HostSpec[] {
  const masters = new Set(spec.masters.map((h) => h.id));
  return spec.hosts.filter((h) => !masters.has(h.id));
}

/** The address of the Consul process a part on `host` talks to: its host's agent, or the server on a master. */
function consulHostFor(spec: Pick<PlatformSpec, "stack" | "local" | "masters">, host: HostSpec) {
  const isMaster = spec.masters.some((m) => m.id === host.id);
  return partAddress(spec, isMaster ? "consul-server" : "consul-agent", host);
}

/** `address:port` of the Consul API a part on `host` talks to (HTTPS on 8501 where TLS is on). */
export function consulAddressFor(
  spec: Pick<PlatformSpec, "stack" | "local" | "masters">,
  host: HostSpec,
): string {
  return `${consulHostFor(spec, host)}:${consulApiPort(spec)}`;
}

/**
 * How consul-template on `host` reaches Consul: its host's agent (or the server on a master), with
 * its token's placeholder where ACLs are on, over HTTPS checked against the CA where TLS is on.
 */
export function consulTemplateClientFor(
  spec: Pick<PlatformSpec, "stack" | "local" | "masters">,
  host: HostSpec,
): ConsulTemplateClient {
  return {
    address: consulAddressFor(spec, host),
    token: consulTokenPlaceholder(spec),
    caFile: consulClientCaPath(spec),
  };
}

/** The URL of the Consul API a part on `host` talks to: `https://address:8501` where TLS is on. */
export function consulUrlFor(
  spec: Pick<PlatformSpec, "stack" | "local" | "masters">,
  host: HostSpec,
): string {
  return consulApiUrl(spec, consulHostFor(spec, host));
}

/**
 * Whether the platform's Consul gossip is encrypted: everywhere but on the local stack, where every
 * agent is on one machine's private network. Where it is, each agent's config holds the key's
 * placeholder (`secretPlaceholder`) and the key is required (`ConsulCluster`).
 */
export function gossipEncrypted(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** Path of an agent's or server's config file (`consulServerConfig`, `consulAgentConfig`). */
export const CONSUL_CONFIG_FILE = `${CONSUL_CONFIG_DIR}/consul.json`;

/** A Consul agent's container: no Docker health check, gossip already tells whether it is alive (`serfHealth`). */
function consulContainer(spec: ConsulSiteSpec, host: HostSpec, part: string): ContainerSpec {
  const name = containerName(spec, part, host.id);
  return {
    ...reachableAs(name),
    image: spec.images.consul,
    hostNetwork: usesHostNetwork(spec),
    capabilities: DROP_TO_OWN_USER,
    command: ["agent", `-config-dir=${CONSUL_CONFIG_DIR}`],
    restart: "always",
    volumes: [{ volume: `${name}-data`, containerPath: "/consul/data" }],
    labels: platformLabels(spec.stack, part, { "platform.host": host.id }),
    stopGraceSeconds: 5,
    // For the consul CLI in the container (`docker exec ... consul members`).
    env: {
      CONSUL_HTTP_ADDR: consulApiUrl(spec, "127.0.0.1"),
      ...(tlsEnforced(spec) ? { CONSUL_CACERT: CONSUL_TLS_PATHS.ca } : {}),
    },
    files: consulTlsFiles(spec),
  };
}

/** What the readiness of the server on `host` asks (core/quorum-probe.ts): a leader, and itself among the raft peers. */
export function consulServerTarget(spec: ConsulSiteSpec, host: HostSpec): QuorumMemberTarget {
  return masterMemberTarget(spec, host, {
    kind: "consul",
    part: "consul-server",
    label: "Consul server",
    port: consulApiPort(spec),
    tls: tlsEnforced(spec),
    // The servers elect a first leader only once all of them are there (`bootstrap_expect`).
    mustServe: host.id === spec.masters[spec.masters.length - 1].id,
  });
}

/** A Consul server's container, its config file included (the gossip key's placeholder where `gossipEncrypted`). */
export function consulServerContainer(spec: ConsulSiteSpec, host: HostSpec): ContainerSpec {
  const container = withConfig(
    consulContainer(spec, host, "consul-server"),
    consulServerConfig(spec, host),
  );
  if (!spec.local) return container;
  // On the local stack, the same address whenever the server is replaced, as a host keeps its own:
  // the one its master's ZooKeeper id gives, so that masters moved with their ids keep theirs.
  const id = zookeeperIdOf(spec.masters, host.id);
  return { ...container, ipv4Address: localQuorumAddress(spec.stack, "consul-server", id - 1) };
}

function withConfig(container: ContainerSpec, config: string): ContainerSpec {
  return {
    ...container,
    files: [...(container.files ?? []), { path: CONSUL_CONFIG_FILE, content: config }],
  };
}

/**
 * What a Consul on a real host's network advertises to the others: the host's address when it is an
 * IP; for a DNS name (Consul takes no name there), chosen by Consul at start (a go-sockaddr
 * template): the host's private address outside Docker's own bridges and veths, or, on a host with
 * none (a public address only, as many sites give their servers), its public IPv4 address
 * (outside RFC 6890's special ranges). A host has docker0 beside its own interface, so Consul
 * cannot choose by itself ("Multiple private IPv4 addresses found"), and would take docker0's
 * where the host's own address is public. The template asks no routes (the image has no `ip`).
 * A host whose address for the platform is neither the one private nor the one public address
 * of its own interfaces gives its IP as its address.
 */
/** A go-sockaddr filter: the host's own interfaces, not Docker's bridges (docker0, br-*) and veths. */
const OWN_INTERFACES = 'exclude "name" "^(docker[0-9]+|br-.*|veth.*)$"';

export function consulAdvertiseAddress(address: string): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(":")) return address;
  return [
    `{{ with $private := GetPrivateInterfaces | ${OWN_INTERFACES} | attr "address" }}`,
    "{{ $private }}{{ else }}",
    `{{ GetAllInterfaces | include "type" "IPv4" | include "flags" "forwardable" | include "flags" "up" | exclude "rfc" "6890" | ${OWN_INTERFACES} | attr "address" }}{{ end }}`,
  ].join("");
}

export function consulServerConfig(spec: ConsulSiteSpec, host: HostSpec): string {
  return renderConsulServerConfig({
    datacenter: spec.consul.datacenter,
    nodeName: consulNodeName(spec, host.id),
    servers: consulServerAddresses(spec),
    encrypt: gossipEncrypted(spec) ? secretPlaceholder("consulGossipKey") : undefined,
    advertise: spec.local ? undefined : consulAdvertiseAddress(host.address),
    acl: aclEnforced(spec) ? aclConfigBlock(true) : undefined,
    tls: tlsEnforced(spec) ? tlsConfigBlock() : undefined,
    ports: consulPortsBlock(spec),
    bootstrapExpect: spec.masters.length,
  });
}

/** A Consul client agent's container, its config file included. */
export function consulAgentContainer(spec: ConsulSiteSpec, host: HostSpec): ContainerSpec {
  return withConfig(consulContainer(spec, host, "consul-agent"), consulAgentConfig(spec, host));
}

export function consulAgentConfig(spec: ConsulSiteSpec, host: HostSpec): string {
  return renderConsulAgentConfig({
    datacenter: spec.consul.datacenter,
    nodeName: consulNodeName(spec, host.id),
    servers: consulServerAddresses(spec),
    encrypt: gossipEncrypted(spec) ? secretPlaceholder("consulGossipKey") : undefined,
    advertise: spec.local ? undefined : consulAdvertiseAddress(host.address),
    acl: aclEnforced(spec) ? aclConfigBlock(false) : undefined,
    tls: tlsEnforced(spec) ? tlsConfigBlock() : undefined,
    ports: consulPortsBlock(spec),
    serviceToken: consulTokenPlaceholder(spec),
    slave: host.roles.includes("slave"),
    maxLoadPerCpu: spec.consul.slaveMaxLoadPerCpu,
  });
}

/** Masters that run consul-esm: two, so checks keep running when one master is down. */
export function esmHosts(spec: ConsulSiteSpec): HostSpec[] {
  return spec.masters.slice(0, Math.min(2, spec.masters.length));
}

export function esmContainer(spec: ConsulSiteSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "consul-esm", host.id);
  return {
    name,
    image: spec.images.consulEsm,
    hostname: name,
    hostNetwork: usesHostNetwork(spec),
    // Nothing of consul-esm's is on disk: it keeps its state in Consul.
    user: UNPRIVILEGED_USER,
    command: ["consul-esm", "-config-file=/etc/consul-esm/config.hcl"],
    restart: "always",
    files: [
      {
        path: "/etc/consul-esm/config.hcl",
        content: renderEsmConfig({
          stack: spec.stack,
          datacenter: spec.consul.datacenter,
          consulAddress: consulUrlFor(spec, host),
          caFile: consulClientCaPath(spec),
          instanceId: name,
          token: consulTokenPlaceholder(spec),
        }),
      },
      ...consulClientCaFiles(spec),
    ],
    labels: platformLabels(spec.stack, "consul-esm", { "platform.host": host.id }),
    stopGraceSeconds: 5,
  };
}
