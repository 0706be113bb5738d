import * as pulumi from "@pulumi/pulumi";
import * as agent from "./consul-agent-api";
import { CatalogCheckInput } from "./consul-catalog-api";
import { catalogDiff } from "./consul-resources";

const IDENTITY = ["agentAddress", "serviceId"] as const;
const KEYS = [...IDENTITY, "name", "address", "port", "tags", "meta", "checks", "drainSeconds"] as const;

/**
 * Whether the registration is for another container than before (`meta.container_id`, unknown
 * while that container is being replaced). A new instance gets a new registration: the old one
 * is deleted first, and drained, before the old container stops, and the new one is created once
 * the new container is healthy.
 */
export function newInstance(olds: Pick<agent.AgentServiceInputs, "meta">, news: Pick<agent.AgentServiceInputs, "meta">): boolean {
  const was = olds.meta?.container_id;
  if (was === undefined) return false;
  const meta: unknown = news.meta;
  return typeof meta !== "object" || meta === null || (meta as Record<string, unknown>).container_id !== was;
}

const agentServiceProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: agent.AgentServiceInputs) {
    await agent.agentPut(inputs.agentAddress, "/v1/agent/service/register?replace-existing-checks=true", agent.agentServiceRegisterBody(inputs));
    return { id: inputs.serviceId, outs: { ...inputs } };
  },
  async diff(_id: string, olds: agent.AgentServiceInputs, news: agent.AgentServiceInputs) {
    const d = catalogDiff(IDENTITY, KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
    return newInstance(olds, news) ? { ...d, changes: true, replaces: [...d.replaces, "meta"] } : d;
  },
  async update(_id: string, _olds: agent.AgentServiceInputs, news: agent.AgentServiceInputs) {
    await agent.agentPut(news.agentAddress, "/v1/agent/service/register?replace-existing-checks=true", agent.agentServiceRegisterBody(news));
    return { outs: { ...news } };
  },
  async read(id: string, props: agent.AgentServiceInputs) {
    return (await agent.agentHasService(props.agentAddress, props.serviceId)) ? { id, props } : {};
  },
  async delete(_id: string, olds: agent.AgentServiceInputs) {
    await agent.agentPut(olds.agentAddress, `/v1/agent/service/deregister/${encodeURIComponent(olds.serviceId)}`);
    // Drain: the instance leaves the load balancers before its container (deleted next) stops.
    if ((olds.drainSeconds ?? 0) > 0) await new Promise((r) => setTimeout(r, olds.drainSeconds! * 1000));
  },
};

export interface ConsulAgentServiceArgs {
  agentAddress: pulumi.Input<string>;
  serviceId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  address: pulumi.Input<string>;
  port: pulumi.Input<number>;
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  meta?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  checks?: pulumi.Input<pulumi.Input<CatalogCheckInput>[]>;
  /** Seconds between deregistration and the deletion counting as done (draining). Default 0. */
  drainSeconds?: pulumi.Input<number>;
}

/** A service instance registered with the Consul agent of its host, which runs its checks. */
export class ConsulAgentService extends pulumi.dynamic.Resource {
  declare public readonly serviceId: pulumi.Output<string>;

  constructor(name: string, args: ConsulAgentServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(agentServiceProvider, name, { tags: [], meta: {}, checks: [], ...args }, opts, "consul", "AgentService");
  }
}
