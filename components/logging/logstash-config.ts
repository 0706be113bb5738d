/**
 * Logstash of a stack: one beats input, one file per service and day, as the paper's setup kept
 * the logs of every service together whatever host its instances ran on.
 */
import { LOGGING_TLS_PROTOCOLS, TlsFilePaths } from "./logging-tls-plan";

export interface LogstashPipelineOptions {
  /** Stack name: the folder under `logRoot` that holds this stack's logs. */
  stack: string;
  /** Port of the beats input. */
  beatsPort: number;
  /** Root folder of the log files inside the container. */
  logRoot: string;
  /**
   * Where the logging CA, Logstash's certificate and its key are: with them, the Beats input
   * speaks TLS only and takes only a client that shows a certificate of the CA (logging-tls-plan.ts).
   * Without them (the local stack), plain text.
   */
  tls?: TlsFilePaths;
}

/** The file a service's events go to, as a Logstash sprintf pattern (the date is the event's, UTC). */
export function serviceLogPathPattern(
  o: Pick<LogstashPipelineOptions, "stack" | "logRoot">,
): string {
  return `${o.logRoot}/${o.stack}/%{[fields][service]}/%{+YYYY-MM-dd}.log`;
}

/** The line written for each event: timestamp, host id, then the container's own line. */
export const LOG_LINE_FORMAT = "%{@timestamp} %{[fields][host]} %{message}";

/**
 * The Beats input's TLS: its certificate and key (PKCS #8, which the input requires), and a client
 * certificate of the CA required of every client.
 */
function beatsTlsLines(tls: TlsFilePaths): string[] {
  const list = (values: readonly string[]) =>
    `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
  return [
    "    ssl_enabled => true",
    `    ssl_certificate => ${JSON.stringify(tls.cert)}`,
    `    ssl_key => ${JSON.stringify(tls.key)}`,
    `    ssl_certificate_authorities => ${list([tls.ca])}`,
    '    ssl_client_authentication => "required"',
    `    ssl_supported_protocols => ${list(LOGGING_TLS_PROTOCOLS)}`,
  ];
}

/**
 * The pipeline. Events without a service field (nothing Filebeat ships here lacks it) are dropped
 * rather than written to a folder named after an unresolved pattern.
 */
export function renderLogstashPipeline(o: LogstashPipelineOptions): string {
  const lines = [
    `# Logstash pipeline of stack ${o.stack}; generated, do not edit`,
    "input {",
    "  beats {",
    `    port => ${o.beatsPort}`,
    ...(o.tls ? beatsTlsLines(o.tls) : []),
    "  }",
    "}",
    "",
    "filter {",
    "  if ![fields][service] {",
    "    drop { }",
    "  }",
    "}",
    "",
    "output {",
    "  file {",
    `    path => "${serviceLogPathPattern(o)}"`,
    "    codec => line {",
    `      format => "${LOG_LINE_FORMAT}"`,
    "    }",
    "  }",
    "}",
  ];
  return lines.join("\n") + "\n";
}

export interface LogstashSettingsOptions {
  /** Port of the monitoring API, probed by the health check. */
  apiPort: number;
  /** Folder the pipeline definitions are read from. */
  pipelineDir: string;
  /** Worker threads of the pipeline. */
  workers: number;
  /** Events a worker takes at once. */
  batchSize: number;
  /** Logstash 8 refuses to run as root unless told; the container runs as root to write its volume. */
  allowSuperuser: boolean;
}

/**
 * logstash.yml: the API on the loopback (its one client is the container's health check; it
 * answers anyone with the pipeline's settings and can take hot threads' dumps), the pipeline, no
 * Elasticsearch monitoring.
 */
export function renderLogstashSettings(o: LogstashSettingsOptions): string {
  const lines = [
    "# logstash.yml; generated, do not edit",
    'api.http.host: "127.0.0.1"',
    `api.http.port: ${o.apiPort}`,
    "pipeline.id: main",
    `pipeline.workers: ${o.workers}`,
    `pipeline.batch.size: ${o.batchSize}`,
    "pipeline.ecs_compatibility: disabled",
    `path.config: "${o.pipelineDir}"`,
    "config.reload.automatic: false",
    "xpack.monitoring.enabled: false",
    `allow_superuser: ${o.allowSuperuser}`,
  ];
  return lines.join("\n") + "\n";
}
