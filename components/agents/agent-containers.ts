import { consulAddressFor } from "../consul/consul-containers";
import { HostSpec } from "../core/config-schema";
import { ContainerSpec, platformLabels, UNPRIVILEGED_USER } from "../core/container-spec";
import { containerName } from "../core/endpoints";
import { PlacedAgent, PlatformSpec, AgentsSpec } from "../core/platform-spec";

/** The Consul KV prefix whose lock (`<prefix>/.lock`) a run of the agent must hold; the same for every container of the agent. */
export function agentLockKey(
  spec: Pick<PlatformSpec, "stack">,
  agent: Pick<PlacedAgent, "key">,
): string {
  return `platform/${spec.stack}/agents/${agent.key}`;
}

/**
 * A container of a `pulumi`-mode scheduled agent on `host`. Every host the agent is placed on runs
 * one; each fires on the schedule, and a run starts only under the agent's Consul lock (session
 * with TTL and lock-delay), so two runs never overlap, also when the holder dies mid-run.
 */
export function agentContainer(
  spec: AgentsSpec,
  agent: PlacedAgent,
  host: HostSpec,
): ContainerSpec {
  const name = containerName(spec, agent.key, host.id);
  return {
    name,
    image: agent.image,
    hostname: name,
    aliases: [name],
    command: ["agent", agent.name],
    ...(agent.image === spec.images.service ? { user: UNPRIVILEGED_USER } : {}),
    env: {
      AGENT_NAME: agent.name,
      AGENT_SCHEDULE: agent.schedule,
      AGENT_DURATION: String(agent.durationSeconds),
      AGENT_LOCK_KEY: agentLockKey(spec, agent),
      CONSUL_HTTP_ADDR: `http://${consulAddressFor(spec, host)}`,
      PLATFORM_STACK: spec.stack,
      PLATFORM_HOST: host.id,
      ...agent.env,
    },
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
