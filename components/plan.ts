// The platform's plan: every container the platform declares, with its host, computed from the
// resolved spec without Pulumi. Each component declares its part of it (the part functions below)
// and `render` writes all of it, so what is rendered is what is declared
// (test/platform/plan-*.test.ts checks that for every stack).
import { agentContainer } from "./agents/agent-containers";
import {
  consulAgentContainer,
  consulAgentHosts,
  consulServerContainer,
  esmContainer,
  esmHosts,
} from "./consul/consul-containers";
import { PlannedContainer } from "./core/container-spec";
import { HostSpec } from "./core/config-schema";
import {
  AgentsSpec,
  ConsulSiteSpec,
  LoadBalancersSpec,
  LoggingSpec,
  MesosSpec,
  MetricsSpec,
  PlacedAgent,
  PlacedService,
  PlatformSpec,
  QuorumSiteSpec,
  ServicesSpec,
} from "./core/platform-spec";
import { loadBalancerContainer } from "./haproxy/lb-containers";
import { databaseContainer, databaseHost, DatabaseSpec } from "./dirac/dirac-database";
import { ServiceInstance, serviceInstance } from "./services/service-containers";
import { zookeeperContainer } from "./zookeeper/zookeeper-containers";
import { mesosAgentContainer, mesosMasterContainer } from "./mesos/mesos-containers";
import { marathonContainer } from "./marathon/marathon-containers";
import { chronosContainer } from "./chronos/chronos-containers";
import {
  CHRONOS_EPOCH,
  chronosJobJson,
  chronosJobName,
  ChronosJobOptions,
} from "./chronos/chronos-job";
import { marathonAppId, marathonAppJson } from "./marathon/marathon-app";
import { registrarHosts, RegistrarSpec, taskRegistrarContainer } from "./marathon/task-registrar";
import { whitelistRendererContainer } from "./whitelist/whitelist-containers";
import {
  filebeatContainer,
  filebeatDockerApiProxy,
  loggingHost,
  logstashContainer,
} from "./logging/logging-containers";
import { cadvisorContainer, cadvisorDockerApiProxy, cadvisorHosts } from "./metrics/cadvisor";
import { metricsShipperContainer } from "./metrics/metrics-shipper";
import { influxdbContainer, monitoringHost } from "./metrics/influxdb-config";
import { grafanaContainer } from "./metrics/grafana";
import { portGuardContainer, portGuardHosts, PortGuardSpec } from "./hosts/port-guard";

const on = <Spec>(
  spec: Spec,
  hosts: readonly HostSpec[],
  container: (spec: Spec, host: HostSpec) => PlannedContainer["container"],
) => hosts.map((h) => ({ hostId: h.id, container: container(spec, h) }));

/** The ZooKeeper members, one per master, in the masters' order (`myid` 1, 2, ...). */
export const zookeeperPlan = (spec: QuorumSiteSpec): PlannedContainer[] =>
  on(spec, spec.masters, zookeeperContainer);

/** The Consul servers (one per master, in order), client agents (every other host) and consul-esm. */
export function consulPlan(spec: ConsulSiteSpec): {
  servers: PlannedContainer[];
  agents: PlannedContainer[];
  esm: PlannedContainer[];
} {
  return {
    servers: on(spec, spec.masters, consulServerContainer),
    agents: on(spec, consulAgentHosts(spec), consulAgentContainer),
    esm: spec.features.consulEsm ? on(spec, esmHosts(spec), esmContainer) : [],
  };
}

/** One placed instance of a `pulumi`-mode service: its container and its Consul registration. */
export interface PlannedInstance extends PlannedContainer {
  registration: ServiceInstance["registration"];
}

/** The `pulumi`-mode services, each with its instances in placement order (a release replaces them in that order). */
export function servicesPlan(
  spec: ServicesSpec,
): { service: PlacedService; instances: PlannedInstance[] }[] {
  const byId = new Map(spec.hosts.map((h) => [h.id, h]));
  return spec.services
    .filter((s) => s.mode === "pulumi")
    .map((service) => ({
      service,
      instances: service.hosts.map((hostId) => {
        return { hostId, ...serviceInstance(spec, service, byId.get(hostId)!) };
      }),
    }));
}

/** The `pulumi`-mode agents' containers (an active one and its standby per agent). */
export function agentsPlan(spec: AgentsSpec): (PlannedContainer & { agent: PlacedAgent })[] {
  const byId = new Map(spec.hosts.map((h) => [h.id, h]));
  return spec.agents
    .filter((a) => a.mode === "pulumi")
    .flatMap((agent) =>
      agent.hosts.map((hostId) => ({
        agent,
        hostId,
        container: agentContainer(spec, agent, byId.get(hostId)!),
      })),
    );
}

/** One HAProxy with consul-template per load-balancer host. */
export const loadBalancersPlan = (spec: LoadBalancersSpec): PlannedContainer[] =>
  on(spec, spec.loadBalancers, loadBalancerContainer);

/** The hosts of a part of the Mesos side: none unless `features.mesos`. */
const mesosOn = (spec: MesosSpec, hosts: readonly HostSpec[]) => (spec.features.mesos ? hosts : []);

/** The Mesos side (empty unless `features.mesos`; the whitelist, unless `features.whitelist`), part by part. */
export const mesosPlan = {
  /** A Mesos master on each master. */
  masters: (spec: MesosSpec): PlannedContainer[] =>
    on(spec, mesosOn(spec, spec.masters), mesosMasterContainer),
  /** A whitelist renderer (consul-template) on each master: none unless `features.whitelist`. */
  whitelists: (spec: MesosSpec): PlannedContainer[] =>
    on(spec, spec.features.whitelist ? spec.masters : [], whitelistRendererContainer),
  /** Marathon on each master. */
  marathon: (spec: MesosSpec): PlannedContainer[] =>
    on(spec, mesosOn(spec, spec.masters), marathonContainer),
  /** Chronos on each master. */
  chronos: (spec: MesosSpec): PlannedContainer[] =>
    on(spec, mesosOn(spec, spec.masters), chronosContainer),
  /** A Mesos agent on each slave. */
  agents: (spec: MesosSpec): PlannedContainer[] =>
    on(spec, mesosOn(spec, spec.slaves), mesosAgentContainer),
};

/** A task registrar on each slave, where the Mesos side runs `marathon`-mode services (`registrarHosts`). */
export const taskRegistrarsPlan = (spec: RegistrarSpec): PlannedContainer[] =>
  on(spec, registrarHosts(spec), taskRegistrarContainer);

/** The Marathon apps of the `marathon`-mode services (none unless `features.mesos`): their key, app id and JSON. */
export function marathonAppsPlan(spec: MesosSpec): { key: string; id: string; json: string }[] {
  if (!spec.features.mesos) return [];
  return spec.services
    .filter((s) => s.mode === "marathon")
    .map((s) => ({ key: s.key, id: marathonAppId(spec.stack, s), json: marathonAppJson(spec, s) }));
}

/** The Chronos jobs of the `marathon`-mode agents (none unless `features.mesos`), scheduled from `opts.from`. */
export function chronosJobsPlan(
  spec: MesosSpec,
  opts: ChronosJobOptions = { from: CHRONOS_EPOCH },
): { key: string; name: string; json: string }[] {
  if (!spec.features.mesos) return [];
  return spec.agents
    .filter((a) => a.mode === "marathon")
    .map((a) => ({
      key: a.key,
      name: chronosJobName(spec.stack, a),
      json: chronosJobJson(spec, a, opts),
    }));
}

/** Logstash on the logging host and a Filebeat per slave. */
export function loggingPlan(spec: LoggingSpec): {
  logstash: PlannedContainer;
  filebeats: PlannedContainer[];
  filebeatProxies: PlannedContainer[];
} {
  return {
    logstash: { hostId: loggingHost(spec).id, container: logstashContainer(spec) },
    filebeats: on(spec, spec.slaves, filebeatContainer),
    filebeatProxies: on(spec, spec.slaves, filebeatDockerApiProxy),
  };
}

/**
 * InfluxDB (and Grafana, when on) on the monitoring host; a cAdvisor per Docker Engine of the
 * slaves (`cadvisorHosts`), and on every slave the metrics shipper that writes what it measures
 * of the slave's containers to InfluxDB.
 */
export function metricsPlan(spec: MetricsSpec): {
  influxdb: PlannedContainer;
  grafana?: PlannedContainer;
  cadvisors: PlannedContainer[];
  cadvisorProxies: PlannedContainer[];
  shippers: PlannedContainer[];
} {
  const monitoring = monitoringHost(spec).id;
  return {
    influxdb: { hostId: monitoring, container: influxdbContainer(spec) },
    ...(spec.features.grafana
      ? { grafana: { hostId: monitoring, container: grafanaContainer(spec) } }
      : {}),
    cadvisors: on(spec, cadvisorHosts(spec), cadvisorContainer),
    cadvisorProxies: on(spec, cadvisorHosts(spec), cadvisorDockerApiProxy),
    shippers: on(spec, spec.slaves, metricsShipperContainer),
  };
}

/** A port guard on each slave of a site where instances or Mesos's tasks publish ports. */
export const portGuardsPlan = (spec: PortGuardSpec): PlannedContainer[] =>
  on(spec, portGuardHosts(spec), portGuardContainer);

/** The DIRAC installation's MariaDB, where the stack names its host (`dirac.database`). */
export function databasePlan(spec: DatabaseSpec): PlannedContainer[] {
  const host = databaseHost(spec);
  return host ? [{ hostId: host.id, container: databaseContainer(spec, host) }] : [];
}

/**
 * Every container the platform declares, in a stable order. Secrets appear as their placeholders
 * (`secretPlaceholder`): their values never leave Pulumi's secrets.
 */
export function plannedContainers(spec: PlatformSpec): PlannedContainer[] {
  const consul = consulPlan(spec);
  const logging = spec.features.logging ? loggingPlan(spec) : undefined;
  const metrics = spec.features.metrics ? metricsPlan(spec) : undefined;
  return [
    ...zookeeperPlan(spec),
    ...consul.servers,
    ...consul.agents,
    ...consul.esm,
    ...databasePlan(spec),
    ...portGuardsPlan(spec),
    ...servicesPlan(spec).flatMap((s) =>
      s.instances.map(({ hostId, container }) => ({ hostId, container })),
    ),
    ...agentsPlan(spec).map(({ hostId, container }) => ({ hostId, container })),
    ...loadBalancersPlan(spec),
    ...mesosPlan.masters(spec),
    ...mesosPlan.whitelists(spec),
    ...mesosPlan.marathon(spec),
    ...mesosPlan.chronos(spec),
    ...mesosPlan.agents(spec),
    ...taskRegistrarsPlan(spec),
    ...(logging ? [logging.logstash, ...logging.filebeatProxies, ...logging.filebeats] : []),
    ...(metrics
      ? [
          metrics.influxdb,
          ...(metrics.grafana ? [metrics.grafana] : []),
          ...metrics.cadvisorProxies,
          ...metrics.cadvisors,
          ...metrics.shippers,
        ]
      : []),
  ];
}
