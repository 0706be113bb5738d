import * as pulumi from "@pulumi/pulumi";
import * as catalog from "./consul-catalog-api";
import { changedKeys } from "./provider-diff";

/**
 * Consul catalog nodes and services as Pulumi dynamic resources (consul-catalog-api.ts).
 * Changing the identity (address of Consul, datacenter, node, service id) replaces; any other
 * change re-registers in place (registration is idempotent).
 */

const NODE_IDENTITY = ["consulAddress", "datacenter", "node"] as const;
const NODE_KEYS = [...NODE_IDENTITY, "address", "meta"] as const;
const SERVICE_IDENTITY = ["consulAddress", "datacenter", "node", "serviceId"] as const;
const SERVICE_KEYS = [...SERVICE_IDENTITY, "nodeAddress", "name", "address", "port", "tags", "meta", "checks"] as const;

/** Replaces on identity changes (deleting first), updates on the others. */
export function catalogDiff(identity: readonly string[], all: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>) {
  const changed = changedKeys(all, olds, news);
  const replaces = changed.filter((k) => identity.includes(k));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
}

/** Node id in state: `<datacenter>/<node>`. */
function nodeId(n: catalog.CatalogNodeInputs): string {
  return `${n.datacenter}/${n.node}`;
}

const nodeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: catalog.CatalogNodeInputs) {
    await catalog.catalogPut(inputs.consulAddress, "/v1/catalog/register", catalog.catalogNodeRegisterBody(inputs));
    return { id: nodeId(inputs), outs: { ...inputs } };
  },
  async diff(_id: string, olds: catalog.CatalogNodeInputs, news: catalog.CatalogNodeInputs) {
    return catalogDiff(NODE_IDENTITY, NODE_KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  },
  async update(_id: string, _olds: catalog.CatalogNodeInputs, news: catalog.CatalogNodeInputs) {
    await catalog.catalogPut(news.consulAddress, "/v1/catalog/register", catalog.catalogNodeRegisterBody(news));
    return { outs: { ...news } };
  },
  async read(id: string, props: catalog.CatalogNodeInputs) {
    const r = await catalog.catalogGet<{ Node: unknown } | null>(props.consulAddress, `/v1/catalog/node/${encodeURIComponent(props.node)}?dc=${encodeURIComponent(props.datacenter)}`);
    return r.value === undefined || r.value === null ? {} : { id, props };
  },
  async delete(_id: string, olds: catalog.CatalogNodeInputs) {
    await catalog.catalogPut(olds.consulAddress, "/v1/catalog/deregister", { Datacenter: olds.datacenter, Node: olds.node });
  },
};

const serviceProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: catalog.CatalogServiceInputs) {
    await catalog.catalogPut(inputs.consulAddress, "/v1/catalog/register", catalog.catalogServiceRegisterBody(inputs));
    return { id: `${inputs.datacenter}/${inputs.node}/${inputs.serviceId}`, outs: { ...inputs } };
  },
  async diff(_id: string, olds: catalog.CatalogServiceInputs, news: catalog.CatalogServiceInputs) {
    return catalogDiff(SERVICE_IDENTITY, SERVICE_KEYS, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  },
  async update(_id: string, _olds: catalog.CatalogServiceInputs, news: catalog.CatalogServiceInputs) {
    await catalog.catalogPut(news.consulAddress, "/v1/catalog/register", catalog.catalogServiceRegisterBody(news));
    return { outs: { ...news } };
  },
  async read(id: string, props: catalog.CatalogServiceInputs) {
    const r = await catalog.catalogGet<{ Services?: Record<string, unknown> } | null>(
      props.consulAddress,
      `/v1/catalog/node/${encodeURIComponent(props.node)}?dc=${encodeURIComponent(props.datacenter)}`,
    );
    return r.value?.Services?.[props.serviceId] === undefined ? {} : { id, props };
  },
  async delete(_id: string, olds: catalog.CatalogServiceInputs) {
    await catalog.catalogPut(olds.consulAddress, "/v1/catalog/deregister", { Datacenter: olds.datacenter, Node: olds.node, ServiceID: olds.serviceId });
  },
};

/** Each property may be an Input; string maps and lists may hold Inputs too. */
type Inputs<T> = {
  [K in keyof T]: T[K] extends Record<string, string> | undefined
    ? pulumi.Input<Record<string, pulumi.Input<string>>>
    : T[K] extends (infer E)[] | undefined
      ? pulumi.Input<pulumi.Input<E>[]>
      : pulumi.Input<T[K]>;
};

export type ConsulCatalogNodeArgs = Inputs<catalog.CatalogNodeInputs>;
export type ConsulCatalogServiceArgs = Inputs<catalog.CatalogServiceInputs>;

/** An external node in the Consul catalog (e.g. with meta `external-node: "true"` for consul-esm). */
export class ConsulCatalogNode extends pulumi.dynamic.Resource {
  declare public readonly node: pulumi.Output<string>;
  declare public readonly address: pulumi.Output<string>;

  constructor(name: string, args: ConsulCatalogNodeArgs, opts?: pulumi.CustomResourceOptions) {
    super(nodeProvider, name, { meta: {}, ...args }, opts, "consul", "CatalogNode");
  }
}

/** A service with its checks on a catalog node; registered with `SkipNodeUpdate`, so the node's meta stays. */
export class ConsulCatalogService extends pulumi.dynamic.Resource {
  declare public readonly serviceId: pulumi.Output<string>;
  declare public readonly node: pulumi.Output<string>;

  constructor(name: string, args: ConsulCatalogServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(serviceProvider, name, { tags: [], meta: {}, checks: [], ...args }, opts, "consul", "CatalogService");
  }
}
