import { httpError, httpRequest } from "./http-request";

/**
 * Consul catalog registrations (`/v1/catalog/register`, `/v1/catalog/deregister`) as plain
 * functions: the request bodies are pure, the calls go through node:http.
 */

export interface CatalogNodeInputs {
  /** `http://host:8500` */
  consulAddress: string;
  datacenter: string;
  node: string;
  address: string;
  meta?: Record<string, string>;
}

export interface CatalogCheckInput {
  checkId: string;
  name: string;
  http?: string;
  tcp?: string;
  interval: string;
  timeout: string;
  deregisterCriticalServiceAfter: string;
  /** Initial status; default `critical` (the checker sets it passing). */
  status?: "passing" | "warning" | "critical";
}

export interface CatalogServiceInputs {
  consulAddress: string;
  datacenter: string;
  node: string;
  /** Address of the node, used if the node is not registered yet (its registration is otherwise left alone). */
  nodeAddress: string;
  serviceId: string;
  name: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  checks?: CatalogCheckInput[];
}

export function catalogNodeRegisterBody(n: CatalogNodeInputs): Record<string, unknown> {
  return { Datacenter: n.datacenter, Node: n.node, Address: n.address, NodeMeta: { ...(n.meta ?? {}) } };
}

export function catalogServiceRegisterBody(s: CatalogServiceInputs): Record<string, unknown> {
  return {
    Datacenter: s.datacenter,
    Node: s.node,
    Address: s.nodeAddress,
    SkipNodeUpdate: true,
    Service: { ID: s.serviceId, Service: s.name, Address: s.address, Port: s.port, Tags: [...(s.tags ?? [])], Meta: { ...(s.meta ?? {}) } },
    Checks: (s.checks ?? []).map((c) => {
      const definition: Record<string, string> = {};
      if (c.http !== undefined) definition.HTTP = c.http;
      if (c.tcp !== undefined) definition.TCP = c.tcp;
      definition.Interval = c.interval;
      definition.Timeout = c.timeout;
      definition.DeregisterCriticalServiceAfter = c.deregisterCriticalServiceAfter;
      return { Node: s.node, CheckID: c.checkId, Name: c.name, ServiceID: s.serviceId, Status: c.status ?? "critical", Definition: definition };
    }),
  };
}

/** `http://host:port` → node:http endpoint (https is not supported). */
export function consulEndpoint(address: string): { host: string; port: number } {
  const u = new URL(address);
  if (u.protocol !== "http:") throw new Error(`consul address ${address}: only http:// is supported`);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port === "" ? 80 : Number(u.port) };
}

/** PUT to the catalog API; Consul answers `true` on success. */
export async function catalogPut(consulAddress: string, path: "/v1/catalog/register" | "/v1/catalog/deregister", body: unknown): Promise<void> {
  const res = await httpRequest(consulEndpoint(consulAddress), "PUT", path, { json: body, timeoutMs: 30_000 });
  if (res.status !== 200 || res.body.trim() !== "true") throw httpError(`consul PUT ${path}: HTTP ${res.status}: ${res.body.trim()}`, res.status);
}

export async function catalogGet<T>(consulAddress: string, path: string): Promise<{ status: number; value: T | undefined }> {
  const res = await httpRequest(consulEndpoint(consulAddress), "GET", path, { timeoutMs: 30_000 });
  if (res.status === 404) return { status: 404, value: undefined };
  if (res.status !== 200) throw httpError(`consul GET ${path}: HTTP ${res.status}: ${res.body.trim()}`, res.status);
  return { status: 200, value: JSON.parse(res.body) as T };
}
