/**
 * filebeat.yml of a slave. Filebeat's own Docker autodiscover replaces the paper's docker-gen: it
 * watches the Engine and starts a `container` input for every container carrying the label
 * `platform.service` of this stack, so new instances are picked up without re-rendering anything.
 */
import { DOCKER_API_SOCKET } from "../hosts/docker-api-proxy";
import { LOGGING_TLS_PROTOCOLS, TlsFilePaths } from "./logging-tls-plan";

/** Where the container input looks on the host. */
export const FILEBEAT_HOST_PATHS = {
  containerLogs: "/var/lib/docker/containers",
} as const;

export interface FilebeatConfigOptions {
  /** Stack name: only containers labelled with it are shipped; also a field of every event. */
  stack: string;
  /** Host id of the slave: the `host` field of every event. */
  hostId: string;
  /** Logstash beats endpoints, `host:port`. */
  logstashHosts: string[];
  /** Filebeat's data directory (its registry of read offsets). */
  dataDir: string;
  /** Port of Filebeat's HTTP monitoring endpoint on 127.0.0.1, probed by the health check. */
  monitoringPort: number;
  /**
   * Whether it also ships the containers no `platform.host` label places (Marathon's and
   * Chronos' tasks, which Mesos places): true for one Filebeat per Docker Engine
   * (`onePerEngine`), else every Filebeat that sees the Engine would ship them.
   */
  shipsUnplaced: boolean;
  /**
   * Where the logging CA, this Filebeat's certificate and its key are: with them, it ships over
   * TLS only, to a Logstash whose certificate the CA signed for the address it dials, showing its
   * own (logging-tls-plan.ts). Without them (the local stack), in plain text.
   */
  tls?: TlsFilePaths;
}

/** Quotes a value as a YAML double-quoted scalar (JSON strings are valid YAML). */
function q(value: string): string {
  return JSON.stringify(value);
}

/** The `ssl` settings of Filebeat's Logstash output: the CA, its own certificate, the host checked. */
function filebeatTlsLines(tls: TlsFilePaths): string[] {
  return [
    "  ssl.enabled: true",
    `  ssl.certificate_authorities: [${q(tls.ca)}]`,
    `  ssl.certificate: ${q(tls.cert)}`,
    `  ssl.key: ${q(tls.key)}`,
    '  ssl.verification_mode: "full"',
    `  ssl.supported_protocols: [${LOGGING_TLS_PROTOCOLS.map(q).join(", ")}]`,
  ];
}

/**
 * Renders filebeat.yml. In the event the templates' conditions and `${data...}` read, a container's
 * labels are nested at their dots (`docker.container.labels.platform.service`, as Filebeat 7.17
 * builds it); `labels.dedot` only applies to the metadata each shipped event carries
 * (`platform_service`). Only containers of this stack placed on this host are shipped: on the
 * local stack every "host" is a name on one Engine, and each Filebeat there sees every container.
 * A container Mesos starts for Marathon or Chronos has the entry's labels but no host label (its
 * host is the Engine's own): shipped too.
 */
export function renderFilebeatConfig(o: FilebeatConfigOptions): string {
  const data = (field: string) => "${data." + field + "}";
  const lines = [
    `# Filebeat on ${o.hostId} of stack ${o.stack}; generated, do not edit`,
    "filebeat.autodiscover:",
    "  providers:",
    "    - type: docker",
    // The Engine through the proxy that passes Filebeat's calls only (hosts/docker-api-proxy.ts).
    `      host: ${q(`unix://${DOCKER_API_SOCKET}`)}`,
    "      labels.dedot: true",
    "      hints.enabled: false",
    "      templates:",
    "        - condition:",
    "            and:",
    '              - has_fields: ["docker.container.labels.platform.service"]',
    "              - equals:",
    `                  docker.container.labels.platform.stack: ${q(o.stack)}`,
    ...(o.shipsUnplaced
      ? [
          "              - or:",
          "                  - equals:",
          `                      docker.container.labels.platform.host: ${q(o.hostId)}`,
          "                  - not:",
          '                      has_fields: ["docker.container.labels.platform.host"]',
        ]
      : [
          "              - equals:",
          `                  docker.container.labels.platform.host: ${q(o.hostId)}`,
        ]),
    "          config:",
    "            - type: container",
    "              paths:",
    `                - ${q(`${FILEBEAT_HOST_PATHS.containerLogs}/${data("docker.container.id")}/*.log`)}`,
    "              fields_under_root: false",
    "              fields:",
    `                service: ${q(data("docker.container.labels.platform.service"))}`,
    `                stack: ${q(o.stack)}`,
    `                host: ${q(o.hostId)}`,
    "",
    `path.data: ${q(o.dataDir)}`,
    "",
    "output.logstash:",
    `  hosts: [${o.logstashHosts.map(q).join(", ")}]`,
    ...(o.tls ? filebeatTlsLines(o.tls) : []),
    "",
    "http.enabled: true",
    'http.host: "127.0.0.1"',
    `http.port: ${o.monitoringPort}`,
    "",
    "logging.level: info",
  ];
  return lines.join("\n") + "\n";
}
