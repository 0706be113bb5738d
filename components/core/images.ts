import { ImageOverrides } from "./config-schema";

/** Upstream image of each part; a site overrides any of them or sets a registry prefix. */
export const DEFAULT_IMAGES: Required<ImageOverrides> = {
  zookeeper: "zookeeper:3.8.4",
  mesosMaster: "mesosphere/mesos-master:1.7.1",
  mesosAgent: "mesosphere/mesos-slave:1.7.1",
  marathon: "mesosphere/marathon:v1.11.24",
  chronos: "mesosphere/chronos:v3.0.2",
  consul: "hashicorp/consul:1.16.6",
  consulEsm: "hashicorp/consul-esm:0.9.1",
  consulTemplate: "hashicorp/consul-template:0.42.1",
  loadBalancer: "lhcb-platform/haproxy:2.6",
  service: "lhcb-platform/service:1.0.0",
  metricsShipper: "lhcb-platform/service:1.0.0",
  taskRegistrar: "lhcb-platform/service:1.0.0",
  influxdb: "influxdb:1.8.10",
  database: "lhcb-platform/mariadb:10.11",
  grafana: "grafana/grafana:10.4.2",
  cadvisor: "gcr.io/cadvisor/cadvisor:v0.47.2",
  filebeat: "docker.elastic.co/beats/filebeat-oss:7.17.28",
  logstash: "docker.elastic.co/logstash/logstash:8.13.4",
  portGuard: "lhcb-platform/port-guard:1.1.0",
};

export type ImageRole = keyof typeof DEFAULT_IMAGES;
export type ImageSet = Record<ImageRole, string>;

/**
 * True when a catalog entry's image is the stack's one platform image (`images.service`), which
 * takes the service or agent it acts as for its argument.
 */
export function usesPlatformImage(
  spec: { images: Pick<ImageSet, "service"> },
  image: string,
): boolean {
  return image === spec.images.service;
}

/** True when the first path segment names a registry host (`gcr.io/...`, `localhost:5000/...`). */
function hasRegistryHost(image: string): boolean {
  const first = image.split("/")[0];
  return (
    image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
  );
}

/**
 * The registry host a registry prefix names (`registry.cern.ch/lhcb` → `registry.cern.ch`,
 * `localhost:5000` → `localhost:5000`); undefined for a prefix under Docker Hub (`lhcb`) or none.
 */
export function registryHostOf(prefix: string): string | undefined {
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed === "" ? undefined : imageRegistryHost(`${trimmed}/x`);
}

/** The registry host an image names (`gcr.io/a/b:1` → `gcr.io`); undefined for one under Docker Hub. */
export function imageRegistryHost(image: string): string | undefined {
  return hasRegistryHost(image) ? image.split("/")[0] : undefined;
}

/** An image's name past its registry host: `gcr.io/a/b:1` → `a/b:1`; `a/b:1` as it is. */
export function withoutRegistryHost(image: string): string {
  return hasRegistryHost(image) ? image.split("/").slice(1).join("/") : image;
}

/**
 * Puts an image under a site registry: `registry.cern.ch/lhcb` + `hashicorp/consul:1.16.6` →
 * `registry.cern.ch/lhcb/hashicorp/consul:1.16.6`; an upstream registry host is replaced.
 */
export function withRegistry(image: string, registry: string): string {
  const prefix = registry.replace(/\/+$/, "");
  if (prefix === "") return image;
  return `${prefix}/${withoutRegistryHost(image)}`;
}

/** Every image the stack uses: defaults, then overrides, then the registry prefix. */
export function resolveImages(overrides: ImageOverrides, registry: string): ImageSet {
  const out = {} as ImageSet;
  for (const role of Object.keys(DEFAULT_IMAGES) as ImageRole[]) {
    out[role] = withRegistry(overrides[role] ?? DEFAULT_IMAGES[role], registry);
  }
  return out;
}
