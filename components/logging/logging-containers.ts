import { dockerApiMount, dockerApiProxyContainer } from "../hosts/docker-api-proxy";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import {
  containerName,
  onePerEngine,
  partAddress,
  PORTS,
  usesHostNetwork,
} from "../core/endpoints";
import { LoggingSpec } from "../core/platform-spec";
import { FILEBEAT_HOST_PATHS, renderFilebeatConfig } from "./filebeat-config";
import { renderFilebeatStartScript } from "./filebeat-start";
import { renderLogstashPipeline, renderLogstashSettings } from "./logstash-config";
import {
  FILEBEAT_TLS_PATHS,
  LOGSTASH_TLS_PATHS,
  loggingTlsFiles,
  loggingTlsOn,
} from "./logging-tls-plan";

/** Layout inside the upstream Filebeat image. */
export const FILEBEAT_PATHS = {
  config: "/usr/share/filebeat/filebeat.yml",
  data: "/usr/share/filebeat/data",
  start: "/usr/local/bin/filebeat-start",
} as const;

/**
 * How long after its start Filebeat's start script asks which containers started meanwhile, and
 * how many starts in a row it gives Filebeat for them (components/logging/filebeat-start.ts).
 */
export const FILEBEAT_START_WINDOW_SECONDS = 10;
export const FILEBEAT_MAX_STARTS = 3;

/** Port of Filebeat's monitoring endpoint on 127.0.0.1 (health check only). */
export const FILEBEAT_MONITORING_PORT = 5066;

/** Layout inside the upstream Logstash image, and the folder the service logs are written under. */
export const LOGSTASH_PATHS = {
  pipelineDir: "/usr/share/logstash/pipeline",
  /** Replaces the image's default pipeline, which would open a second beats input. */
  pipeline: "/usr/share/logstash/pipeline/logstash.conf",
  settings: "/usr/share/logstash/config/logstash.yml",
  logRoot: "/var/log/platform",
} as const;

/** Port of Logstash's monitoring API. */
export const LOGSTASH_API_PORT = 9600;

/** The address every Filebeat dials Logstash at, which Logstash's certificate names. */
export function logstashAddress(spec: LoggingSpec): string {
  return partAddress(spec, "logstash", loggingHost(spec));
}

/** The Logstash beats endpoint every Filebeat ships to: `host:5044`. */
export function logstashEndpoint(spec: LoggingSpec): string {
  return `${logstashAddress(spec)}:${PORTS.logstashBeats}`;
}

/** The host with role logging; the logging stack needs one. */
export function loggingHost(spec: LoggingSpec): HostSpec {
  if (spec.logging === undefined)
    throw new Error(`stack ${spec.stack}: the logging stack needs a host with role logging`);
  return spec.logging;
}

/** Whether the Filebeat on `host` ships the containers no host label places. */
function shipsUnplaced(spec: LoggingSpec, host: HostSpec): boolean {
  return onePerEngine(spec, spec.slaves).some((h) => h.id === host.id);
}

/** filebeat.yml of the Filebeat on `host`. */
export function filebeatConfig(spec: LoggingSpec, host: HostSpec): string {
  return renderFilebeatConfig({
    stack: spec.stack,
    hostId: host.id,
    logstashHosts: [logstashEndpoint(spec)],
    dataDir: FILEBEAT_PATHS.data,
    monitoringPort: FILEBEAT_MONITORING_PORT,
    shipsUnplaced: shipsUnplaced(spec, host),
    ...(loggingTlsOn(spec) ? { tls: FILEBEAT_TLS_PATHS } : {}),
  });
}

/** The start script of the Filebeat on `host`, which starts it again for containers it missed. */
export function filebeatStartScript(spec: LoggingSpec, host: HostSpec): string {
  return renderFilebeatStartScript({
    stack: spec.stack,
    hostId: host.id,
    shipsUnplaced: shipsUnplaced(spec, host),
    windowSeconds: FILEBEAT_START_WINDOW_SECONDS,
    maxStarts: FILEBEAT_MAX_STARTS,
  });
}

/**
 * Filebeat on a slave. It runs as root to read the Engine's log files; it reads the containers'
 * labels through the Docker API proxy beside it (`filebeatDockerApiProxy`), never the Engine's
 * socket. Its registry of read offsets lives in a volume, so a replaced Filebeat does not ship
 * every log again. Its start script starts it again when a container it ships started while it
 * started (a host's reboot), which Filebeat alone would never ship.
 */
export function filebeatContainer(spec: LoggingSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "filebeat", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.filebeat,
    user: "root",
    hostNetwork: usesHostNetwork(spec),
    entrypoint: [FILEBEAT_PATHS.start],
    command: ["-e", "--strict.perms=false", "-c", FILEBEAT_PATHS.config],
    restart: "always",
    files: [
      { path: FILEBEAT_PATHS.config, content: filebeatConfig(spec, host) },
      { path: FILEBEAT_PATHS.start, content: filebeatStartScript(spec, host), executable: true },
      ...(loggingTlsOn(spec) ? loggingTlsFiles(FILEBEAT_TLS_PATHS) : []),
    ],
    volumes: [
      {
        hostPath: FILEBEAT_HOST_PATHS.containerLogs,
        containerPath: FILEBEAT_HOST_PATHS.containerLogs,
        readOnly: true,
      },
      dockerApiMount(spec, "filebeat", host),
      { volume: `${name}-data`, containerPath: FILEBEAT_PATHS.data },
    ],
    healthcheck: {
      test: ["CMD-SHELL", `curl -fs -o /dev/null http://127.0.0.1:${FILEBEAT_MONITORING_PORT}/`],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 30,
    },
    labels: platformLabels(spec.stack, "filebeat", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}

/** The Logstash pipeline of the stack. */
export function logstashPipeline(spec: LoggingSpec): string {
  return renderLogstashPipeline({
    stack: spec.stack,
    beatsPort: PORTS.logstashBeats,
    logRoot: LOGSTASH_PATHS.logRoot,
    ...(loggingTlsOn(spec) ? { tls: LOGSTASH_TLS_PATHS } : {}),
  });
}

/** logstash.yml of the stack's Logstash. */
export function logstashSettings(): string {
  return renderLogstashSettings({
    apiPort: LOGSTASH_API_PORT,
    pipelineDir: LOGSTASH_PATHS.pipelineDir,
    workers: 2,
    batchSize: 125,
    allowSuperuser: true,
  });
}

/**
 * Logstash on the logging host: the log files live in a volume at /var/log/platform, one folder
 * per stack and service. It runs as root because a fresh volume belongs to root.
 */
export function logstashContainer(spec: LoggingSpec): ContainerSpec {
  const host = loggingHost(spec);
  const name = containerName(spec, "logstash", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.logstash,
    user: "root",
    hostNetwork: usesHostNetwork(spec),
    restart: "always",
    env: { LS_JAVA_OPTS: "-Xms512m -Xmx512m" },
    files: [
      { path: LOGSTASH_PATHS.pipeline, content: logstashPipeline(spec) },
      { path: LOGSTASH_PATHS.settings, content: logstashSettings() },
      ...(loggingTlsOn(spec) ? loggingTlsFiles(LOGSTASH_TLS_PATHS) : []),
    ],
    volumes: [{ volume: `${name}-logs`, containerPath: LOGSTASH_PATHS.logRoot }],
    healthcheck: {
      test: ["CMD-SHELL", `curl -fs -o /dev/null http://localhost:${LOGSTASH_API_PORT}/`],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 5,
      retries: 5,
      startPeriodSeconds: 90,
    },
    labels: platformLabels(spec.stack, "logstash", { "platform.host": host.id }),
    stopGraceSeconds: 30,
  };
}

/** The Docker API proxy of Filebeat on a slave: the container list and the event stream only. */
export function filebeatDockerApiProxy(spec: LoggingSpec, host: HostSpec): ContainerSpec {
  return dockerApiProxyContainer(spec, "filebeat", host);
}
