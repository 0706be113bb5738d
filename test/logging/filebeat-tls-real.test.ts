// Filebeat over TLS for real: the image built here runs the container the plan declares for a
// slave of a stack on real hosts (TLS on), with its rendered filebeat.yml and the certificates the
// platform's commands make with the real openssl. A Lumberjack receiver stands in for Logstash
// (which cannot run here) at the address the file names, over TLS and requiring a client
// certificate of the logging CA, as the Beats input is set. Filebeat must ship to it, showing its
// own certificate, and must send nothing to a Logstash whose certificate another CA signed, or
// that names another host.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { ContainerSpec, secretPlaceholder } from "../../components/core/container-spec";
import { PORTS } from "../../components/core/endpoints";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  filebeatContainer,
  filebeatDockerApiProxy,
  logstashAddress,
} from "../../components/logging/logging-containers";
import { LOGGING_CA_COMMAND, LOGGING_CERT_COMMAND } from "../../components/logging/logging-tls";
import {
  CertificateRequest,
  filebeatCertificate,
  logstashCertificate,
} from "../../components/logging/logging-tls-plan";
import { containerLogs, docker, eventually } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { makeCa, MadePem, signCertificate } from "../support/certificate-commands";
import {
  LumberjackReceiver,
  ReceiverTls,
  startLumberjackReceiver,
} from "../support/lumberjack-receiver";
import { runPlanned } from "../support/run-planned";

const FILEBEAT_IMAGE = "lhcb-platform/filebeat:7.17.28";
const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
// The local stack's hosts and images, as a stack on real hosts: TLS on, the host network.
const spec = {
  ...local,
  local: false,
  stack: `fbtls${process.pid}`,
  features: { ...local.features, logging: true },
  images: { ...local.images, filebeat: FILEBEAT_IMAGE },
};
const slave = spec.slaves[0];
const dialed = logstashAddress(spec);

type Made = MadePem;
const newCa = (name: string): Made => makeCa(LOGGING_CA_COMMAND, name);
const signed = (ca: Made, request: CertificateRequest): Made =>
  signCertificate(LOGGING_CERT_COMMAND, ca, request);
const ca = newCa(`${spec.stack} logging CA`);
const stranger = newCa("another CA");
const logstashCert = signed(ca, logstashCertificate(spec.stack, dialed));
const filebeatCert = signed(ca, filebeatCertificate(spec.stack, slave));

/** `c` with the logs' TLS placeholders of its files filled in, as `declareContainer` does. */
function withTls(c: ContainerSpec, own: Made): ContainerSpec {
  const values: [string, string][] = [
    [secretPlaceholder("loggingCaCert"), ca.cert],
    [secretPlaceholder("loggingTlsCert"), own.cert],
    [secretPlaceholder("loggingTlsKey"), own.key],
  ];
  const fill = (text: string) => values.reduce((t, [p, v]) => t.split(p).join(v), text);
  return { ...c, files: c.files!.map((f) => ({ ...f, content: fill(f.content) })) };
}

const filebeat = withTls(filebeatContainer(spec, slave), filebeatCert);
const proxy = filebeatDockerApiProxy(spec, slave);
const emitter = `${spec.stack}-emitter`;
const dir = tempDir("filebeat-tls-real-");
const started: string[] = [];
let receiver: LumberjackReceiver | undefined;

/** A receiver at the address Filebeat dials, showing `shown` (key and certificate) as Logstash. */
async function logstashShowing(shown: Made): Promise<LumberjackReceiver> {
  await receiver?.close();
  const tls: ReceiverTls = { key: shown.key, cert: shown.cert, ca: ca.cert };
  receiver = await startLumberjackReceiver("127.0.0.1", PORTS.logstashBeats, tls);
  return receiver;
}

/** The last lines Filebeat logged, for a failure's message. */
function filebeatLog(): string {
  return `${filebeat.name}'s last lines:\n${containerLogs(filebeat.name, "--tail", "40")}`;
}

/** Waits until Filebeat logs a line matching `pattern` after `since` lines. */
async function filebeatLogs(pattern: RegExp, since: number): Promise<string> {
  return eventually(
    `Filebeat's line ${String(pattern)}`,
    120,
    async () =>
      containerLogs(filebeat.name)
        .split("\n")
        .slice(since)
        .find((l) => pattern.test(l)),
    500,
  ).catch((e: Error) => assert.fail(`${e.message}\n${filebeatLog()}`));
}

const logLines = () => containerLogs(filebeat.name).split("\n").length;

before(async () => {
  await logstashShowing(logstashCert);
  // A container of the stack on the slave, printing a numbered line every half second.
  started.push(emitter);
  docker(
    "run",
    "-d",
    "--name",
    emitter,
    "--label",
    `platform.stack=${spec.stack}`,
    "--label",
    "platform.service=Test/Emitter",
    "--label",
    `platform.host=${slave.id}`,
    "--entrypoint",
    "sh",
    FILEBEAT_IMAGE,
    "-c",
    'i=0; while :; do i=$((i+1)); echo "emitted $i"; sleep 0.5; done',
  );
  for (const c of [proxy, filebeat]) {
    started.push(c.name);
    // Filebeat on the machine's network, the logging host's name given to the receiver's address.
    runPlanned(c, dir, ["--network", "host", "--add-host", `${dialed}:127.0.0.1`]);
  }
});

after(async () => {
  for (const name of started) docker("rm", "-f", "-v", name);
  for (const v of docker("volume", "ls", "-q", "--filter", `name=${spec.stack}-`).split("\n"))
    if (v !== "") docker("volume", "rm", v);
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const v of proxy.volumes ?? [])
    if (v.hostPath?.startsWith("/run/lhcb-platform/"))
      rmSync(v.hostPath, { recursive: true, force: true });
});

test("Filebeat ships over TLS to a Logstash of the logging CA at the address it dials, showing its own certificate", async () => {
  const r = receiver!;
  const emitted = () =>
    r.events.filter((e) => /^emitted \d+$/.test(String(e.message))).length >= 3 ? true : undefined;
  await eventually("three emitted lines at the receiver", 90, async () => emitted(), 500).catch(
    (e: Error) => assert.fail(`${e.message}; ${r.events.length} events\n${filebeatLog()}`),
  );
  for (const e of r.events.filter((x) => /^emitted/.test(String(x.message))))
    assert.deepEqual(e.fields, { service: "Test/Emitter", stack: spec.stack, host: slave.id });
  assert.ok(r.clients.length >= 1);
  assert.deepEqual([...new Set(r.clients)], [`filebeat.${slave.id}.${spec.stack}`]);
});

test("Filebeat sends nothing to a Logstash whose certificate another CA signed", async () => {
  const since = logLines();
  const r = await logstashShowing(signed(stranger, logstashCertificate(spec.stack, dialed)));
  await filebeatLogs(/x509: certificate signed by unknown authority/, since);
  assert.deepEqual([r.events.length, r.clients.length], [0, 0]);
});

test("Filebeat sends nothing to a Logstash of the logging CA whose certificate names another host", async () => {
  const since = logLines();
  const elsewhere = logstashCertificate(spec.stack, "elsewhere.example.org");
  const r = await logstashShowing(signed(ca, elsewhere));
  await filebeatLogs(
    new RegExp(`x509: certificate is valid for elsewhere\\.example\\.org, not ${dialed}`),
    since,
  );
  assert.deepEqual([r.events.length, r.clients.length], [0, 0]);
});
