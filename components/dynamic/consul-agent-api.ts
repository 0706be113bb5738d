import { CatalogCheckInput, consulEndpoint } from "./consul-catalog-api";
import { httpError, httpRequest } from "./http-request";

/**
 * Registrations with a Consul client agent (`/v1/agent/service/register`): the agent itself runs
 * the checks and keeps the registration across restarts. Bodies are pure; calls go through node:http.
 */
export interface AgentServiceInputs {
  /** `http://host:8500` of the agent on the instance's host. */
  agentAddress: string;
  serviceId: string;
  name: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  checks?: CatalogCheckInput[];
  /**
   * Seconds to wait after deregistering before the deletion counts as done: the load balancers
   * re-render without the instance before its container is stopped. Default 0.
   */
  drainSeconds?: number;
}

export function agentServiceRegisterBody(s: AgentServiceInputs): Record<string, unknown> {
  return {
    ID: s.serviceId,
    Name: s.name,
    Address: s.address,
    Port: s.port,
    Tags: [...(s.tags ?? [])],
    Meta: { ...(s.meta ?? {}) },
    Checks: (s.checks ?? []).map((c) => ({
      CheckID: c.checkId,
      Name: c.name,
      ...(c.http !== undefined ? { HTTP: c.http } : {}),
      ...(c.tcp !== undefined ? { TCP: c.tcp } : {}),
      Interval: c.interval,
      Timeout: c.timeout,
      DeregisterCriticalServiceAfter: c.deregisterCriticalServiceAfter,
      Status: c.status ?? "critical",
    })),
  };
}

export async function agentPut(agentAddress: string, path: string, body?: unknown): Promise<void> {
  const res = await httpRequest(consulEndpoint(agentAddress), "PUT", path, { json: body ?? {}, timeoutMs: 30_000 });
  if (res.status === 404 && path.startsWith("/v1/agent/service/deregister/")) return;
  if (res.status !== 200) throw httpError(`consul agent PUT ${path}: HTTP ${res.status}: ${res.body.trim()}`, res.status);
}

/** True when the agent knows the service. */
export async function agentHasService(agentAddress: string, serviceId: string): Promise<boolean> {
  const res = await httpRequest(consulEndpoint(agentAddress), "GET", `/v1/agent/service/${encodeURIComponent(serviceId)}`, { timeoutMs: 30_000 });
  if (res.status === 404) return false;
  if (res.status !== 200) throw httpError(`consul agent GET service ${serviceId}: HTTP ${res.status}: ${res.body.trim()}`, res.status);
  return true;
}
