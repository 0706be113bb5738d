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
import { MesosSpec } from "../core/platform-spec";
import { whitelistHostDir } from "../mesos/host-paths";
import { MESOS_PATHS } from "../mesos/mesos-flags";
import {
  renderWhitelistRendererConfig,
  renderWhitelistTemplate,
  whitelistSlaves,
  WHITELIST_STOP_SIGNAL,
} from "./whitelist-template";

/** Files of the whitelist renderer. The destination is in the directory shared with the Mesos master. */
export const WHITELIST_PATHS = {
  config: "/etc/consul-template/whitelist.hcl",
  template: "/etc/consul-template/whitelist.ctmpl",
  dir: MESOS_PATHS.whitelistDir,
  file: MESOS_PATHS.whitelistFile,
} as const;

/**
 * The user the renderer runs as: root, because it writes into a host directory that Docker
 * creates root-owned, while the consul-template image defaults to an unprivileged user.
 */
export const WHITELIST_RENDERER_USER = "0:0";

/** consul-template's config on `host`: it reads the Consul server on the same master. */
export function whitelistRendererConfig(spec: MesosSpec, host: HostSpec): string {
  return renderWhitelistRendererConfig({
    consul: consulTemplateClientFor(spec, host),
    source: WHITELIST_PATHS.template,
    destination: WHITELIST_PATHS.file,
    waitMin: "2s",
    waitMax: "10s",
  });
}

/**
 * The whitelist renderer on a master host: consul-template writing the whitelist into the host
 * directory the Mesos master on the same host reads it from. Healthy once it has rendered.
 */
export function whitelistRendererContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "mesos-whitelist", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.consulTemplate,
    user: WHITELIST_RENDERER_USER,
    hostNetwork: usesHostNetwork(spec),
    entrypoint: ["consul-template"],
    command: ["-config", WHITELIST_PATHS.config],
    files: [
      { path: WHITELIST_PATHS.config, content: whitelistRendererConfig(spec, host) },
      { path: WHITELIST_PATHS.template, content: renderWhitelistTemplate(whitelistSlaves(spec)) },
      ...consulClientCaFiles(spec),
    ],
    volumes: [{ hostPath: whitelistHostDir(spec, host.id), containerPath: WHITELIST_PATHS.dir }],
    healthcheck: healthcheck(["test", "-f", WHITELIST_PATHS.file], {
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 2,
      retries: 3,
      startPeriodSeconds: 30,
    }),
    restart: "always",
    labels: platformLabels(spec.stack, "mesos-whitelist", { "platform.host": host.id }),
    stopGraceSeconds: 5,
    // consul-template stops on its kill signal only; an image's own STOPSIGNAL (the balancers'
    // image says SIGUSR1, for HAProxy) would leave it running until Docker kills it.
    stopSignal: WHITELIST_STOP_SIGNAL,
  };
}
