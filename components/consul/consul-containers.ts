import { HostSpec } from "../core/config-schema";
import { ContainerSpec, DOCKER_HEALTH_INTERVAL_SECONDS, healthcheck, platformLabels } from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { physicalName } from "../core/naming";
import { PlatformSpec } from "../core/platform-spec";
import { renderConsulAgentConfig, renderConsulServerConfig, renderEsmConfig } from "./consul-config";

export const CONSUL_CONFIG_DIR = "/consul/config";

/** Consul node name of a host: unique per stack, so environments sharing a datacenter never clash. */
export function consulNodeName(spec: Pick<PlatformSpec, "stack">, hostId: string): string {
  return physicalName(spec.stack, hostId);
}

/** Addresses of the Consul servers (one per master). */
export function consulServerAddresses(spec: PlatformSpec): string[] {
  return spec.masters.map((h) => partAddress(spec, "consul-server", h));
}

/** Hosts that run a Consul client agent: every host that is not a master (masters run a server). */
export function consulAgentHosts(spec: PlatformSpec): HostSpec[] {
  const masters = new Set(spec.masters.map((h) => h.id));
  return spec.hosts.filter((h) => !masters.has(h.id));
}

/** Address of the Consul HTTP API an instance on `host` talks to: its host's agent, or server on a master. */
export function consulAddressFor(spec: PlatformSpec, host: HostSpec): string {
  const isMaster = spec.masters.some((m) => m.id === host.id);
  return `${partAddress(spec, isMaster ? "consul-server" : "consul-agent", host)}:${PORTS.consulHttp}`;
}

const ENCRYPT_PLACEHOLDER = "@@CONSUL_GOSSIP_KEY@@";

/** The config file with the gossip key placeholder; the component substitutes the secret. */
export function withGossipKey(rendered: string, key: string): string {
  return rendered.replace(ENCRYPT_PLACEHOLDER, key);
}

function consulContainer(spec: PlatformSpec, host: HostSpec, part: string, server: boolean): ContainerSpec {
  const name = containerName(spec, part, host.id);
  return {
    name,
    image: spec.images.consul,
    hostname: name,
    aliases: [name],
    hostNetwork: usesHostNetwork(spec),
    command: ["agent", `-config-dir=${CONSUL_CONFIG_DIR}`],
    restart: "always",
    volumes: [{ volume: `${name}-data`, containerPath: "/consul/data" }],
    healthcheck: server
      ? healthcheck(["consul", "operator", "raft", "list-peers"], DOCKER_HEALTH_INTERVAL_SECONDS, 2, 3, 60)
      : healthcheck(["consul", "members"], DOCKER_HEALTH_INTERVAL_SECONDS, 2, 3, 30),
    labels: platformLabels(spec.stack, part, { "platform.host": host.id }),
    stopGraceSeconds: 5,
    env: { CONSUL_HTTP_ADDR: `http://127.0.0.1:${PORTS.consulHttp}` },
  };
}

/** A Consul server container; its config (`consulServerConfig`) may hold the secret key, so the component uploads it. */
export function consulServerContainer(spec: PlatformSpec, host: HostSpec): ContainerSpec {
  return consulContainer(spec, host, "consul-server", true);
}

export function consulServerConfig(spec: PlatformSpec, host: HostSpec, withEncrypt: boolean): string {
  return renderConsulServerConfig({
    datacenter: spec.consul.datacenter,
    nodeName: consulNodeName(spec, host.id),
    servers: consulServerAddresses(spec),
    encrypt: withEncrypt ? ENCRYPT_PLACEHOLDER : undefined,
    advertise: spec.local ? undefined : host.address,
    bootstrapExpect: spec.masters.length,
  });
}

export function consulAgentContainer(spec: PlatformSpec, host: HostSpec): ContainerSpec {
  return consulContainer(spec, host, "consul-agent", false);
}

export function consulAgentConfig(spec: PlatformSpec, host: HostSpec, withEncrypt: boolean): string {
  return renderConsulAgentConfig({
    datacenter: spec.consul.datacenter,
    nodeName: consulNodeName(spec, host.id),
    servers: consulServerAddresses(spec),
    encrypt: withEncrypt ? ENCRYPT_PLACEHOLDER : undefined,
    advertise: spec.local ? undefined : host.address,
    slave: host.roles.includes("slave"),
  });
}

/** Masters that run consul-esm: two, so checks keep running when one master is down. */
export function esmHosts(spec: PlatformSpec): HostSpec[] {
  return spec.masters.slice(0, Math.min(2, spec.masters.length));
}

export function esmContainer(spec: PlatformSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "consul-esm", host.id);
  return {
    name,
    image: spec.images.consulEsm,
    hostname: name,
    hostNetwork: usesHostNetwork(spec),
    command: ["consul-esm", "-config-file=/etc/consul-esm/config.hcl"],
    restart: "always",
    files: [
      {
        path: "/etc/consul-esm/config.hcl",
        content: renderEsmConfig({ datacenter: spec.consul.datacenter, consulAddress: consulAddressFor(spec, host), instanceId: name }),
      },
    ],
    labels: platformLabels(spec.stack, "consul-esm", { "platform.host": host.id }),
    stopGraceSeconds: 5,
  };
}
