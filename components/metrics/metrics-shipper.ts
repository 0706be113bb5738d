import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  filesOf,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { MetricsSpec } from "../core/platform-spec";
import {
  influxdbAuthEnforced,
  INFLUXDB_PASSWORD_FILE,
  INFLUXDB_USERS,
  influxdbPasswordFiles,
} from "./influxdb-auth-plan";
import { influxdbUrl, METRICS_DATABASE } from "./influxdb-config";
import { cadvisorHostFor } from "./cadvisor";
import { METRICS_CA_FILE, metricsCaFiles, metricsTlsOn } from "./metrics-tls-plan";

/** The metrics shipper of the sample image (images/service/platform-metrics.py; `images.metricsShipper`). */
export const METRICS_SHIPPER = "/usr/local/bin/platform-metrics";

/** Seconds between two shipments: cAdvisor's housekeeping interval, the dashboards' resolution. */
export const SHIP_INTERVAL_SECONDS = 10;

/**
 * The metrics shipper of a slave, as the paper's "simple python script running on every host":
 * it reads the cAdvisor of the host's Docker Engine (`cadvisorHostFor`) over its REST API and writes the host's and each container's CPU,
 * memory and network to InfluxDB, tagged with the container's platform labels, by which the
 * dashboards select an entry's containers whoever started them (cAdvisor's own InfluxDB storage
 * tags a point with the container's name only, and Mesos names its containers `mesos-<id>`).
 * It needs no Docker socket: cAdvisor is its only source.
 */
export function metricsShipperContainer(spec: MetricsSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "metrics-shipper", host.id);
  const cadvisor = usesHostNetwork(spec)
    ? "127.0.0.1"
    : partAddress(spec, "cadvisor", cadvisorHostFor(spec, host));
  return {
    ...reachableAs(name),
    image: spec.images.metricsShipper,
    hostNetwork: usesHostNetwork(spec),
    entrypoint: [METRICS_SHIPPER],
    command: ["ship"],
    env: {
      CADVISOR_URL: `http://${cadvisor}:${PORTS.cadvisor}`,
      INFLUXDB_URL: influxdbUrl(spec),
      INFLUXDB_DB: METRICS_DATABASE,
      PLATFORM_HOST: host.id,
      SHIP_INTERVAL: String(SHIP_INTERVAL_SECONDS),
      // Where InfluxDB asks for credentials: the writer's, its password in a file.
      ...(influxdbAuthEnforced(spec)
        ? { INFLUXDB_USER: INFLUXDB_USERS.writer, INFLUXDB_PASSWORD_FILE }
        : {}),
      // Where InfluxDB speaks HTTPS: the CA its certificate is checked against.
      ...(metricsTlsOn(spec) ? { INFLUXDB_CACERT: METRICS_CA_FILE } : {}),
    },
    ...filesOf([...influxdbPasswordFiles(spec), ...metricsCaFiles(spec)]),
    restart: "always",
    user: "nobody",
    healthcheck: {
      test: ["CMD", METRICS_SHIPPER, "healthy"],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 3 * SHIP_INTERVAL_SECONDS,
    },
    labels: platformLabels(spec.stack, "metrics-shipper", { "platform.host": host.id }),
    stopGraceSeconds: 2,
  };
}
