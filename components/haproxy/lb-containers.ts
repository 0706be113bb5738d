import { consulTemplateClientFor } from "../consul/consul-containers";
import { consulClientCaFiles } from "../consul/consul-tls-plan";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  healthcheck,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import { containerName, usesHostNetwork } from "../core/endpoints";
import { LoadBalancersSpec, PlacedService } from "../core/platform-spec";
import { ProbeTarget } from "../core/readiness";
import { consulTemplateServers, HaproxyOptions, renderHaproxyConfig } from "./haproxy-config";
import {
  LB_PATHS,
  renderConsulTemplateConfig,
  renderReloadScript,
  renderStartScript,
} from "./lb-files";

/** Services a load balancer fronts: every service of the catalog, whichever way it runs. */
export function frontedServices(spec: LoadBalancersSpec): PlacedService[] {
  return spec.services;
}

/** The stack's HAProxy options: its settings, and run-time name resolution on the local stack only. */
export function haproxyOptions(
  spec: Pick<LoadBalancersSpec, "stack" | "local" | "loadBalancer">,
): HaproxyOptions {
  return {
    stack: spec.stack,
    maxconn: spec.loadBalancer.maxconn,
    statsPort: spec.loadBalancer.statsPort,
    statsAddress: spec.loadBalancer.statsAddress,
    runDir: LB_PATHS.runDir,
    reResolve: spec.local,
  };
}

/** The address a client on the balancer's own host asks the stats page at. */
export function statsHost(spec: Pick<LoadBalancersSpec, "loadBalancer">): string {
  const a = spec.loadBalancer.statsAddress;
  return a === "*" ? "127.0.0.1" : a;
}

/** The consul-template template of haproxy.cfg. */
export function haproxyTemplate(spec: LoadBalancersSpec): string {
  return renderHaproxyConfig(
    frontedServices(spec),
    haproxyOptions(spec),
    consulTemplateServers(spec.stack),
  );
}

/** What the template renders while Consul has no instance of any service: every frontend, no server. */
export function haproxyConfigWithoutServers(spec: LoadBalancersSpec): string {
  return renderHaproxyConfig(frontedServices(spec), haproxyOptions(spec), () => []);
}

/**
 * What a balancer's readiness step waits for: HAProxy listening on the frontend of the first
 * service, at `address` (its container's on the local stack, its host's at a site, where the stats
 * page listens on the loopback only). HAProxy starts once consul-template has rendered the
 * instances Consul knows (lb-start), so a balancer that listens has its servers. None where the
 * balancers front no service.
 */
export function loadBalancerProbe(
  spec: LoadBalancersSpec,
  host: HostSpec,
): ((address: string) => ProbeTarget) | undefined {
  const first = frontedServices(spec)[0];
  if (first === undefined) return undefined;
  const what = `load balancer ${containerName(spec, "lb", host.id)} listening`;
  return (address) => ({ what, tcp: `${address}:${first.port}` });
}

/** A load balancer on `host`: HAProxy in master-worker mode fed by consul-template. */
export function loadBalancerContainer(spec: LoadBalancersSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "lb", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.loadBalancer,
    // Real hosts: the host network, where every frontend listens on the host's address. Local
    // stack: the platform network, where clients reach each balancer by its container address.
    hostNetwork: usesHostNetwork(spec),
    entrypoint: [LB_PATHS.start],
    restart: "always",
    files: [
      { path: LB_PATHS.template, content: haproxyTemplate(spec) },
      {
        path: LB_PATHS.consulTemplateConfig,
        content: renderConsulTemplateConfig({
          consul: consulTemplateClientFor(spec, host),
          waitMin: "100ms",
          waitMax: "500ms",
        }),
      },
      { path: LB_PATHS.reload, content: renderReloadScript(), executable: true },
      { path: LB_PATHS.start, content: renderStartScript(), executable: true },
      ...consulClientCaFiles(spec),
    ],
    healthcheck: healthcheck(
      [
        "curl",
        "-fsS",
        "-o",
        "/dev/null",
        `http://${statsHost(spec)}:${spec.loadBalancer.statsPort}/healthz`,
      ],
      {
        intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
        timeoutSeconds: 1,
        retries: 3,
        startPeriodSeconds: 5,
      },
    ),
    labels: platformLabels(spec.stack, "lb", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
