import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { renderFilebeatConfig } from "../../components/logging/filebeat-config";
import {
  filebeatConfig,
  filebeatStartScript,
  filebeatContainer,
  logstashContainer,
  logstashEndpoint,
  logstashPipeline,
  logstashSettings,
} from "../../components/logging/logging-containers";
import {
  renderLogstashPipeline,
  serviceLogPathPattern,
} from "../../components/logging/logstash-config";
import { toContainerArgs } from "../../components/hosts/container-args";

const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const local = loadPlatformFromStackFile(process.cwd(), "local");
const host = (id: string) => prod.hosts.find((h) => h.id === id)!;

test("filebeat.yml of a prod slave: autodiscover on the platform labels, container input, logstash output", () => {
  assert.equal(
    filebeatConfig(prod, host("prod-slave-3")),
    `# Filebeat on prod-slave-3 of stack prod; generated, do not edit
filebeat.autodiscover:
  providers:
    - type: docker
      host: "unix:///run/docker-api/docker.sock"
      labels.dedot: true
      hints.enabled: false
      templates:
        - condition:
            and:
              - has_fields: ["docker.container.labels.platform.service"]
              - equals:
                  docker.container.labels.platform.stack: "prod"
              - or:
                  - equals:
                      docker.container.labels.platform.host: "prod-slave-3"
                  - not:
                      has_fields: ["docker.container.labels.platform.host"]
          config:
            - type: container
              paths:
                - "/var/lib/docker/containers/\${data.docker.container.id}/*.log"
              fields_under_root: false
              fields:
                service: "\${data.docker.container.labels.platform.service}"
                stack: "prod"
                host: "prod-slave-3"

path.data: "/usr/share/filebeat/data"

output.logstash:
  hosts: ["lbops02.cern.ch:5044"]
  ssl.enabled: true
  ssl.certificate_authorities: ["/usr/share/filebeat/tls/ca.pem"]
  ssl.certificate: "/usr/share/filebeat/tls/filebeat.pem"
  ssl.key: "/usr/share/filebeat/tls/filebeat-key.pem"
  ssl.verification_mode: "full"
  ssl.supported_protocols: ["TLSv1.2", "TLSv1.3"]

http.enabled: true
http.host: "127.0.0.1"
http.port: 5066

logging.level: info
`,
  );
});

/** The lines of a filebeat.yml's template condition, from `- condition:` to `config:`. */
function condition(filebeatYml: string): string[] {
  const lines = filebeatYml.split("\n");
  const from = lines.findIndex((l) => l.trim() === "- condition:");
  const to = lines.findIndex((l) => l.trim() === "config:");
  return lines.slice(from + 1, to);
}

test("on the local stack Filebeat ships to the Logstash container by name and only its own host's containers; the tasks no host label places, the first slave's alone", () => {
  const slave = (id: string) => local.slaves.find((h) => h.id === id)!;
  const own = [
    "            and:",
    '              - has_fields: ["docker.container.labels.platform.service"]',
    "              - equals:",
    '                  docker.container.labels.platform.stack: "local"',
  ];
  // Every local host is a name on one Engine: one Filebeat ships the unplaced tasks, not three.
  assert.deepEqual(condition(filebeatConfig(local, slave("slave-1"))), [
    ...own,
    "              - or:",
    "                  - equals:",
    '                      docker.container.labels.platform.host: "slave-1"',
    "                  - not:",
    '                      has_fields: ["docker.container.labels.platform.host"]',
  ]);
  for (const id of ["slave-2", "slave-3"])
    assert.deepEqual(condition(filebeatConfig(local, slave(id))), [
      ...own,
      "              - equals:",
      `                  docker.container.labels.platform.host: "${id}"`,
    ]);
  // Each prod slave has its Engine: each ships the tasks its Engine runs.
  for (const h of prod.slaves)
    assert.ok(
      condition(filebeatConfig(prod, h)).includes(
        '                      has_fields: ["docker.container.labels.platform.host"]',
      ),
      h.id,
    );
  const text = renderFilebeatConfig({
    stack: "local",
    hostId: "slave-2",
    logstashHosts: ["local-logstash-ops-1:5044"],
    dataDir: "/d",
    monitoringPort: 5066,
    shipsUnplaced: false,
  });
  assert.match(text, /^ {2}hosts: \["local-logstash-ops-1:5044"\]$/m);
  assert.equal(logstashEndpoint(local), "local-logstash-ops-1:5044");
  assert.equal(logstashEndpoint(prod), "lbops02.cern.ch:5044");
});

test("the Logstash pipeline writes one file per stack, service and day", () => {
  assert.equal(
    logstashPipeline(prod),
    `# Logstash pipeline of stack prod; generated, do not edit
input {
  beats {
    port => 5044
    ssl_enabled => true
    ssl_certificate => "/usr/share/logstash/config/tls/logstash.pem"
    ssl_key => "/usr/share/logstash/config/tls/logstash-key.pem"
    ssl_certificate_authorities => ["/usr/share/logstash/config/tls/ca.pem"]
    ssl_client_authentication => "required"
    ssl_supported_protocols => ["TLSv1.2", "TLSv1.3"]
  }
}

filter {
  if ![fields][service] {
    drop { }
  }
}

output {
  file {
    path => "/var/log/platform/prod/%{[fields][service]}/%{+YYYY-MM-dd}.log"
    codec => line {
      format => "%{@timestamp} %{[fields][host]} %{message}"
    }
  }
}
`,
  );
  assert.equal(
    serviceLogPathPattern({ stack: "cert", logRoot: "/logs" }),
    "/logs/cert/%{[fields][service]}/%{+YYYY-MM-dd}.log",
  );
  assert.match(
    renderLogstashPipeline({ stack: "x", beatsPort: 6000, logRoot: "/l" }),
    /port => 6000\n/,
  );
});

test("logstash.yml: API on every interface, one pipeline, no Elasticsearch monitoring", () => {
  assert.equal(
    logstashSettings(),
    `# logstash.yml; generated, do not edit
api.http.host: "127.0.0.1"
api.http.port: 9600
pipeline.id: main
pipeline.workers: 2
pipeline.batch.size: 125
pipeline.ecs_compatibility: disabled
path.config: "/usr/share/logstash/pipeline"
config.reload.automatic: false
xpack.monitoring.enabled: false
allow_superuser: true
`,
  );
});

test("the Filebeat container of a prod slave", () => {
  const h = host("prod-slave-1");
  assert.deepEqual(filebeatContainer(prod, h), {
    name: "prod-filebeat-prod-slave-1",
    image: "gitlab-registry.cern.ch/lhcb-dirac/beats/filebeat-oss:7.17.28",
    user: "root",
    hostname: "prod-filebeat-prod-slave-1",
    aliases: ["prod-filebeat-prod-slave-1"],
    hostNetwork: true,
    entrypoint: ["/usr/local/bin/filebeat-start"],
    command: ["-e", "--strict.perms=false", "-c", "/usr/share/filebeat/filebeat.yml"],
    restart: "always",
    files: [
      { path: "/usr/share/filebeat/filebeat.yml", content: filebeatConfig(prod, h) },
      {
        path: "/usr/local/bin/filebeat-start",
        content: filebeatStartScript(prod, h),
        executable: true,
      },
      { path: "/usr/share/filebeat/tls/ca.pem", content: "@@secret:loggingCaCert@@" },
      { path: "/usr/share/filebeat/tls/filebeat.pem", content: "@@secret:loggingTlsCert@@" },
      { path: "/usr/share/filebeat/tls/filebeat-key.pem", content: "@@secret:loggingTlsKey@@" },
    ],
    volumes: [
      {
        hostPath: "/var/lib/docker/containers",
        containerPath: "/var/lib/docker/containers",
        readOnly: true,
      },
      {
        hostPath: "/run/lhcb-platform/prod-filebeat-docker-api-prod-slave-1",
        containerPath: "/run/docker-api",
        readOnly: true,
      },
      { volume: "prod-filebeat-prod-slave-1-data", containerPath: "/usr/share/filebeat/data" },
    ],
    healthcheck: {
      test: ["CMD-SHELL", "curl -fs -o /dev/null http://127.0.0.1:5066/"],
      intervalSeconds: 300,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 30,
    },
    labels: {
      "platform.stack": "prod",
      "platform.component": "filebeat",
      "platform.host": "prod-slave-1",
    },
    stopGraceSeconds: 10,
  });
});

test("the Logstash container on the logging host", () => {
  assert.deepEqual(logstashContainer(prod), {
    name: "prod-logstash-prod-ops-2",
    image: "gitlab-registry.cern.ch/lhcb-dirac/logstash/logstash:8.13.4",
    user: "root",
    hostname: "prod-logstash-prod-ops-2",
    aliases: ["prod-logstash-prod-ops-2"],
    hostNetwork: true,
    restart: "always",
    env: { LS_JAVA_OPTS: "-Xms512m -Xmx512m" },
    files: [
      { path: "/usr/share/logstash/pipeline/logstash.conf", content: logstashPipeline(prod) },
      { path: "/usr/share/logstash/config/logstash.yml", content: logstashSettings() },
      { path: "/usr/share/logstash/config/tls/ca.pem", content: "@@secret:loggingCaCert@@" },
      { path: "/usr/share/logstash/config/tls/logstash.pem", content: "@@secret:loggingTlsCert@@" },
      {
        path: "/usr/share/logstash/config/tls/logstash-key.pem",
        content: "@@secret:loggingTlsKey@@",
      },
    ],
    volumes: [{ volume: "prod-logstash-prod-ops-2-logs", containerPath: "/var/log/platform" }],
    healthcheck: {
      test: ["CMD-SHELL", "curl -fs -o /dev/null http://localhost:9600/"],
      intervalSeconds: 300,
      timeoutSeconds: 5,
      retries: 5,
      startPeriodSeconds: 90,
    },
    labels: {
      "platform.stack": "prod",
      "platform.component": "logstash",
      "platform.host": "prod-ops-2",
    },
    stopGraceSeconds: 30,
  });
  const l = logstashContainer(local);
  assert.equal(l.name, "local-logstash-ops-1");
  assert.equal(l.hostNetwork, false);
});

test("no logging host: a clear error", () => {
  assert.throws(
    () => logstashContainer({ ...prod, logging: undefined }),
    /stack prod: the logging stack needs a host with role logging/,
  );
});

test("Filebeat and Logstash run as root, which toContainerArgs passes on", () => {
  assert.equal(
    toContainerArgs(filebeatContainer(prod, host("prod-slave-1")), undefined).user,
    "root",
  );
  assert.equal(toContainerArgs(logstashContainer(prod), undefined).user, "root");
});
