import { aclEnforced } from "../consul/consul-acl-plan";
import { consulUrlFor } from "../consul/consul-containers";
import {
  consulApiUrl,
  consulClientCaFiles,
  CONSUL_CLIENT_CA_FILE,
  tlsEnforced,
} from "../consul/consul-tls-plan";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  filesOf,
  platformLabels,
  reachableAs,
  secretPlaceholder,
  UNPRIVILEGED_USER,
} from "../core/container-spec";
import { containerName } from "../core/endpoints";
import { diracAgentFiles, isDiracEntry } from "../dirac/dirac-plan";
import { PlacedAgent, PlatformSpec, AgentsSpec } from "../core/platform-spec";

/** The Consul KV prefix whose lock (`<prefix>/.lock`) a run of the agent must hold; the same for every container of the agent. */
export function agentLockKey(
  spec: Pick<PlatformSpec, "stack">,
  agent: Pick<PlacedAgent, "key">,
): string {
  return `platform/${spec.stack}/agents/${agent.key}`;
}

/**
 * Where a scheduled agent reads its Consul ACL token (`CONSUL_HTTP_TOKEN_FILE`, as Consul's own
 * tools take it): a file, so the token is in no container's environment.
 */
export const AGENT_TOKEN_FILE = "/etc/platform/consul-token";

/**
 * The name a scheduled agent reaches its host by at a site (`host-gateway`): its host's Consul
 * agent, on the host network, is there. A name of the site's DNS would tie the agents to it: a
 * container resolves with the engine's DNS, not the host's /etc/hosts.
 */
export const HOST_GATEWAY_NAME = "host.docker.internal";

/** The Consul HTTP API a scheduled agent on `host` talks to: its host's agent (or server). */
function agentConsulAddress(spec: AgentsSpec, host: HostSpec): string {
  return spec.local ? consulUrlFor(spec, host) : consulApiUrl(spec, HOST_GATEWAY_NAME);
}

/**
 * A container of a `pulumi`-mode agent on `host`. Every host the agent is placed on runs one, and
 * a run starts only under the agent's Consul lock (session with TTL and lock-delay), so two runs
 * never overlap, also when the holder dies mid-run. A `cycle` agent's containers each fire on the
 * schedule (the one that gets the lock runs); a `loop` agent's wait for the lock, and the holder
 * runs the agent's own loop while the others stand by. A DIRAC agent also gets the installation's
 * configuration.
 */
export function agentContainer(
  spec: AgentsSpec,
  agent: PlacedAgent,
  host: HostSpec,
): ContainerSpec {
  const name = containerName(spec, agent.key, host.id);
  const acl = aclEnforced(spec);
  // Its token and Consul's CA, where ACLs and TLS are on.
  const files = [
    ...(acl ? [{ path: AGENT_TOKEN_FILE, content: secretPlaceholder("consulToken") }] : []),
    ...consulClientCaFiles(spec),
  ];
  return {
    ...reachableAs(name),
    image: agent.image,
    command: ["agent", agent.name],
    ...(agent.image === spec.images.service ? { user: UNPRIVILEGED_USER } : {}),
    env: {
      AGENT_NAME: agent.name,
      AGENT_RUN: agent.run,
      ...(agent.schedule === undefined ? {} : { AGENT_SCHEDULE: agent.schedule }),
      // How long a sample agent's run lasts; a DIRAC agent's cycle takes what it takes.
      ...(isDiracEntry(spec, agent) ? {} : { AGENT_DURATION: String(agent.durationSeconds) }),
      AGENT_LOCK_KEY: agentLockKey(spec, agent),
      CONSUL_HTTP_ADDR: agentConsulAddress(spec, host),
      ...(acl ? { CONSUL_HTTP_TOKEN_FILE: AGENT_TOKEN_FILE } : {}),
      ...(tlsEnforced(spec) ? { CONSUL_CACERT: CONSUL_CLIENT_CA_FILE } : {}),
      PLATFORM_STACK: spec.stack,
      PLATFORM_HOST: host.id,
      ...agent.env,
    },
    ...(spec.local ? {} : { extraHosts: { [HOST_GATEWAY_NAME]: "host-gateway" } }),
    ...filesOf([...files, ...diracAgentFiles(spec, agent)]),
    restart: "always",
    cpus: agent.cpus,
    memoryMb: agent.memoryMb,
    labels: platformLabels(spec.stack, "agent", {
      "platform.service": agent.key,
      "platform.host": host.id,
      "platform.instance": name,
    }),
    stopGraceSeconds: 10,
  };
}
