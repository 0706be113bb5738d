// The logging stack under mocks: exact resources for the prod stack file.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  dependenciesOf,
  installMocks,
  isSecretInput,
  mockKeyAndCertificate,
  ofType,
  plainInput,
  settle,
} from "../support/mocks";

const declared = installMocks("prod");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import {
  filebeatConfig,
  filebeatStartScript,
  logstashPipeline,
  logstashSettings,
} from "../../components/logging/logging-containers";
import { LoggingStack } from "../../components/logging/logging-stack";
import { splitKeyAndCertificate } from "../../components/core/openssl-certificates";

const spec = loadPlatformFromStackFile(process.cwd(), "prod");
const slaveIds = spec.slaves.map((h) => h.id);

interface Upload {
  file: string;
  content: string;
  executable: boolean;
}

/** The CA's certificate as the mocks make it, and the certificate and key of `key`'s side. */
const mockCa = splitKeyAndCertificate("ca", mockKeyAndCertificate("logging-tls-ca"));
const mockTls = (key: string) =>
  splitKeyAndCertificate(key, mockKeyAndCertificate(`logging-tls-cert-${key}`));

/**
 * The uploads of the logs' TLS files under `dir`: the CA, the side's certificate and key (uploads
 * holding a secret name no mode: the provider's default, not executable).
 */
function tlsUploads(dir: string, side: "logstash" | "filebeat", key: string): Partial<Upload>[] {
  const mine = mockTls(key);
  return [
    { file: `${dir}/ca.pem`, content: mockCa.cert },
    { file: `${dir}/${side}.pem`, content: mine.cert },
    { file: `${dir}/${side}-key.pem`, content: mine.key },
  ];
}

test("prod: Logstash on the logging host, Filebeat and its Docker API proxy on each of the 8 slaves", async () => {
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  const logging = new LoggingStack("logging", { spec, inventory });
  await settle(declared);

  const ours = declared.filter((r) => r.name.startsWith("logging"));
  assert.deepEqual(countByType(ours), {
    "docker:index/container:Container": 17,
    "docker:index/volume:Volume": 9,
    "lhcb-platform:logging:LoggingStack": 1,
    // The logs' TLS: a CA, a certificate for Logstash and for each slave's Filebeat.
    "lhcb-platform:logging:LoggingTls": 1,
    "command:local:Command": 1 + 1 + 8,
  });
  assert.equal(ofType(declared, "docker:index/container:Container").length, 17);
  assert.deepEqual(
    ofType(ours, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    [
      "logging-logstash-prod-ops-2",
      ...slaveIds.map((id) => `logging-filebeat-${id}`),
      ...slaveIds.map((id) => `logging-filebeat-docker-api-${id}`),
    ].sort(),
  );
  assert.deepEqual(Object.keys(logging.filebeats).sort(), [...slaveIds].sort());
  assert.deepEqual(Object.keys(logging.filebeatProxies).sort(), [...slaveIds].sort());
  // Each Filebeat starts after its proxy, and the proxy alone mounts the Engine's socket.
  for (const id of slaveIds) {
    assert.ok(
      dependenciesOf(`logging-filebeat-${id}`).includes(`logging-filebeat-docker-api-${id}`),
      id,
    );
    assert.equal(
      byName(declared, `logging-filebeat-docker-api-${id}`).inputs.name,
      `prod-filebeat-docker-api-${id}`,
    );
  }
  assert.equal(logging.logstashEndpoint, "lbops02.cern.ch:5044");

  const ls = byName(declared, "logging-logstash-prod-ops-2");
  assert.match(ls.provider ?? "", /::hosts-prod-ops-2::/);
  assert.equal(ls.inputs.name, "prod-logstash-prod-ops-2");
  assert.equal(ls.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/logstash/logstash:8.13.4");
  assert.equal(ls.inputs.user, "root");
  assert.equal(ls.inputs.networkMode, "host");
  assert.equal(ls.inputs.restart, "always");
  assert.deepEqual(ls.inputs.envs, ["LS_JAVA_OPTS=-Xms512m -Xmx512m"]);
  // The key makes the uploads a secret as a whole.
  assert.ok(isSecretInput(ls.inputs.uploads));
  assert.deepEqual(plainInput(ls.inputs.uploads) as Partial<Upload>[], [
    {
      file: "/usr/share/logstash/pipeline/logstash.conf",
      content: logstashPipeline(spec),
      executable: false,
    },
    {
      file: "/usr/share/logstash/config/logstash.yml",
      content: logstashSettings(),
      executable: false,
    },
    ...tlsUploads("/usr/share/logstash/config/tls", "logstash", "logstash-prod-ops-2"),
  ]);
  assert.deepEqual(ls.inputs.volumes, [
    {
      volumeName: "prod-logstash-prod-ops-2-logs",
      containerPath: "/var/log/platform",
      readOnly: false,
    },
  ]);
  assert.deepEqual(ls.inputs.healthcheck, {
    tests: ["CMD-SHELL", "curl -fs -o /dev/null http://localhost:9600/"],
    interval: "5m0s",
    timeout: "5s",
    retries: 5,
    startPeriod: "1m30s",
  });
  assert.deepEqual(ls.inputs.labels, [
    { label: "platform.stack", value: "prod" },
    { label: "platform.component", value: "logstash" },
    { label: "platform.host", value: "prod-ops-2" },
  ]);
  assert.deepEqual(byName(declared, "logging-logstash-prod-ops-2-var-log-platform").inputs, {
    name: "prod-logstash-prod-ops-2-logs",
    labels: [{ label: "platform.stack", value: "prod" }],
  });

  for (const h of spec.slaves) {
    const fb = byName(declared, `logging-filebeat-${h.id}`);
    assert.match(fb.provider ?? "", new RegExp(`::hosts-${h.id}::`));
    assert.equal(fb.inputs.name, `prod-filebeat-${h.id}`);
    assert.equal(fb.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/beats/filebeat-oss:7.17.28");
    assert.equal(fb.inputs.user, "root");
    assert.equal(fb.inputs.networkMode, "host");
    assert.ok(isSecretInput(fb.inputs.uploads), h.id);
    assert.deepEqual(plainInput(fb.inputs.uploads) as Partial<Upload>[], [
      {
        file: "/usr/share/filebeat/filebeat.yml",
        content: filebeatConfig(spec, h),
        executable: false,
      },
      {
        file: "/usr/local/bin/filebeat-start",
        content: filebeatStartScript(spec, h),
        executable: true,
      },
      ...tlsUploads("/usr/share/filebeat/tls", "filebeat", `filebeat-${h.id}`),
    ]);
    assert.deepEqual(fb.inputs.volumes, [
      {
        hostPath: "/var/lib/docker/containers",
        containerPath: "/var/lib/docker/containers",
        readOnly: true,
      },
      {
        hostPath: `/run/lhcb-platform/prod-filebeat-docker-api-${h.id}`,
        containerPath: "/run/docker-api",
        readOnly: true,
      },
      {
        volumeName: `prod-filebeat-${h.id}-data`,
        containerPath: "/usr/share/filebeat/data",
        readOnly: false,
      },
    ]);
  }
  const fb1 = byName(declared, "logging-filebeat-prod-slave-1");
  assert.deepEqual(fb1.inputs.entrypoints, ["/usr/local/bin/filebeat-start"]);
  assert.deepEqual(fb1.inputs.command, [
    "-e",
    "--strict.perms=false",
    "-c",
    "/usr/share/filebeat/filebeat.yml",
  ]);
  assert.match((plainInput(fb1.inputs.uploads) as Upload[])[0].content, /host: "prod-slave-1"\n/);
});
