import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  platformLabels,
} from "../core/container-spec";
import { containerName, onePerEngine, PORTS, usesHostNetwork } from "../core/endpoints";
import { MetricsSpec } from "../core/platform-spec";
import {
  DOCKER_API_SOCKET,
  dockerApiMount,
  dockerApiProxyContainer,
} from "../hosts/docker-api-proxy";

/**
 * Host folders cAdvisor reads, all read-only. Not `/var/run`: it reads the Engine through the
 * Docker API proxy beside it (`cadvisorDockerApiProxy`), never through the Engine's socket.
 */
export const CADVISOR_HOST_MOUNTS = [
  { hostPath: "/", containerPath: "/rootfs" },
  { hostPath: "/sys", containerPath: "/sys" },
  { hostPath: "/var/lib/docker/", containerPath: "/var/lib/docker" },
] as const;

/**
 * What cAdvisor does not collect: everything but CPU, memory and network, the only measurements
 * the dashboards show (cpu_usage_total, memory_usage, rx_bytes, tx_bytes). The filesystem usage
 * it would otherwise walk every container's layers for is the costliest of them. The names are
 * the ones cAdvisor 0.36 accepts (`-disable_metrics` replaces its default list).
 */
export const CADVISOR_DISABLED_METRICS = [
  "disk",
  "diskIO",
  "tcp",
  "advtcp",
  "udp",
  "percpu",
  "sched",
  "process",
];

/**
 * cAdvisor's flags: its own port, Docker containers only, the dashboards' measurements only, every
 * 10 s (the dashboards' resolution). No storage driver: the slave's metrics shipper reads the
 * newest samples from cAdvisor's REST API and writes them to InfluxDB with the containers'
 * labels (metrics-shipper.ts), which cAdvisor's own InfluxDB storage leaves out. On a host's
 * network (`onHostNetwork`) it listens on the loopback only: its one client, the host's shipper,
 * asks it there, and its API names every container, image and label of the host.
 */
export function cadvisorArgs(onHostNetwork: boolean): string[] {
  return [
    ...(onHostNetwork ? ["-listen_ip=127.0.0.1"] : []),
    `-port=${PORTS.cadvisor}`,
    `-docker=unix://${DOCKER_API_SOCKET}`,
    "-docker_only=true",
    "-housekeeping_interval=10s",
    `-disable_metrics=${CADVISOR_DISABLED_METRICS.join(",")}`,
  ];
}

/**
 * cAdvisor's start: once the proxy's socket exists (at most 10 s), then the image's program
 * (`cadvisor -logtostderr`, found on the PATH: /usr/bin in the upstream image, /usr/local/bin in
 * the project's). cAdvisor looks for the Engine only when it starts and measures no container
 * if it is not there; a host that restarts starts both containers at once.
 */
export function cadvisorEntrypoint(): string[] {
  const wait = `i=0; while [ ! -S ${DOCKER_API_SOCKET} ] && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.1; done`;
  return ["/bin/sh", "-c", `${wait}; exec cadvisor -logtostderr "$@"`, "cadvisor"];
}

/**
 * The slaves that run a cAdvisor. A cAdvisor measures every container of the Docker Engine it
 * reads, so there is one per Engine (`onePerEngine`): on every slave where each host has its own,
 * on the first slave only on the local stack (three would each measure all of its containers,
 * every 10 s). Each slave's shipper still ships its own host's containers (`cadvisorHostFor`,
 * metrics-shipper.ts).
 */
export function cadvisorHosts(spec: Pick<MetricsSpec, "local" | "slaves">): HostSpec[] {
  return onePerEngine(spec, spec.slaves);
}

/** The slave whose cAdvisor measures the containers of `host`: itself, or the local stack's one. */
export function cadvisorHostFor(
  spec: Pick<MetricsSpec, "local" | "slaves">,
  host: HostSpec,
): HostSpec {
  return spec.local ? (cadvisorHosts(spec)[0] ?? host) : host;
}

/**
 * cAdvisor on a slave. Its hostname is the host id, which cAdvisor writes as the `machine` tag of
 * every point, so the host dashboard names hosts as the inventory does.
 */
export function cadvisorContainer(spec: MetricsSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "cadvisor", host.id);
  const probe = `http://127.0.0.1:${PORTS.cadvisor}/healthz`;
  return {
    name,
    image: spec.images.cadvisor,
    hostname: host.id,
    aliases: [name],
    hostNetwork: usesHostNetwork(spec),
    entrypoint: cadvisorEntrypoint(),
    command: cadvisorArgs(usesHostNetwork(spec)),
    restart: "always",
    // Not privileged, no capability: what it collects (CPU, memory, network) it reads from the
    // read-only mounts. Where SELinux is on, it must not confine cAdvisor to its own label.
    readsHostFiles: true,
    volumes: [
      ...CADVISOR_HOST_MOUNTS.map((m) => ({
        hostPath: m.hostPath,
        containerPath: m.containerPath,
        readOnly: true,
      })),
      dockerApiMount(spec, "cadvisor", host),
    ],
    healthcheck: {
      test: ["CMD-SHELL", `wget -q -O /dev/null ${probe} || curl -fs -o /dev/null ${probe}`],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 3,
      retries: 3,
      startPeriodSeconds: 10,
    },
    labels: platformLabels(spec.stack, "cadvisor", { "platform.host": host.id }),
    stopGraceSeconds: 5,
  };
}

/** The Docker API proxy of cAdvisor on a slave: the Engine's info and version, the containers' inspection. */
export function cadvisorDockerApiProxy(spec: MetricsSpec, host: HostSpec): ContainerSpec {
  return dockerApiProxyContainer(spec, "cadvisor", host);
}
