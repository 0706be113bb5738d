import { agentContainer } from "./agents/agent-containers";
import {
  CONSUL_CONFIG_DIR,
  consulAgentConfig,
  consulAgentContainer,
  consulAgentHosts,
  consulServerConfig,
  consulServerContainer,
  esmContainer,
  esmHosts,
} from "./consul/consul-containers";
import { ContainerSpec } from "./core/container-spec";
import { PlatformSpec } from "./core/platform-spec";
import { loadBalancerContainer } from "./haproxy/lb-containers";
import { serviceContainer } from "./services/service-containers";
import { zookeeperContainer } from "./zookeeper/zookeeper-containers";
import { mesosAgentContainer, mesosMasterContainer } from "./mesos/mesos-containers";
import { marathonContainer } from "./marathon/marathon-containers";
import { chronosContainer } from "./chronos/chronos-containers";
import { whitelistRendererContainer } from "./whitelist/whitelist-containers";
import { filebeatContainer, loggingHost, logstashContainer } from "./logging/logging-containers";
import { cadvisorContainer } from "./metrics/cadvisor";
import { influxdbContainer, monitoringHost } from "./metrics/influxdb-config";
import { grafanaContainer } from "./metrics/grafana";

/** A container of the platform and the host it runs on. */
export interface PlacedContainer {
  hostId: string;
  spec: ContainerSpec;
}

/**
 * Every container the platform declares, as plain data, in a stable order. Consul configs carry
 * the gossip key placeholder: the key itself never leaves Pulumi's secrets.
 */
export function platformContainers(spec: PlatformSpec): PlacedContainer[] {
  const out: PlacedContainer[] = [];
  const add = (hostId: string, c: ContainerSpec) => out.push({ hostId, spec: c });
  const encrypt = !spec.local;
  const byId = new Map(spec.hosts.map((h) => [h.id, h]));
  for (const h of spec.masters) add(h.id, zookeeperContainer(spec, h));
  for (const h of spec.masters) {
    const c = consulServerContainer(spec, h);
    add(h.id, { ...c, files: [...(c.files ?? []), { path: `${CONSUL_CONFIG_DIR}/consul.json`, content: consulServerConfig(spec, h, encrypt) }] });
  }
  for (const h of consulAgentHosts(spec)) {
    const c = consulAgentContainer(spec, h);
    add(h.id, { ...c, files: [...(c.files ?? []), { path: `${CONSUL_CONFIG_DIR}/consul.json`, content: consulAgentConfig(spec, h, encrypt) }] });
  }
  if (spec.features.consulEsm) for (const h of esmHosts(spec)) add(h.id, esmContainer(spec, h));
  for (const s of spec.services) for (const id of s.mode === "pulumi" ? s.hosts : []) add(id, serviceContainer(spec, s, byId.get(id)!));
  for (const a of spec.agents) for (const id of a.mode === "pulumi" ? a.hosts : []) add(id, agentContainer(spec, a, byId.get(id)!));
  for (const h of spec.loadBalancers) add(h.id, loadBalancerContainer(spec, h));
  if (spec.features.mesos) {
    for (const h of spec.masters) add(h.id, mesosMasterContainer(spec, h));
    for (const h of spec.masters) add(h.id, whitelistRendererContainer(spec, h));
    for (const h of spec.masters) add(h.id, marathonContainer(spec, h));
    for (const h of spec.masters) add(h.id, chronosContainer(spec, h));
    for (const h of spec.slaves) add(h.id, mesosAgentContainer(spec, h));
  }
  if (spec.features.logging) {
    add(loggingHost(spec).id, logstashContainer(spec));
    for (const h of spec.slaves) add(h.id, filebeatContainer(spec, h));
  }
  if (spec.features.metrics) {
    add(monitoringHost(spec).id, influxdbContainer(spec));
    if (spec.features.grafana) add(monitoringHost(spec).id, grafanaContainer(spec));
    for (const h of spec.slaves) add(h.id, cadvisorContainer(spec, h));
  }
  return out;
}
