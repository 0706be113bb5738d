// The logs' TLS: where it is on, what each side's files and configuration name, the certificates
// the commands make with the real openssl, and, on the prod stack under mocks, which certificate
// each side gets. The mocks print `mockKeyAndCertificate(<name>)` for a command that runs openssl.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  byName,
  ignoreChangesOf,
  installMocks,
  isSecretInput,
  mockKeyAndCertificate,
  ofType,
  plainInput,
  secretOutputsOf,
  settle,
} from "../support/mocks";

const declared = installMocks("prod");
import { splitKeyAndCertificate } from "../../components/core/openssl-certificates";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  filebeatConfig,
  filebeatContainer,
  logstashContainer,
  logstashPipeline,
} from "../../components/logging/logging-containers";
import { LOGGING_CA_COMMAND, LOGGING_CERT_COMMAND } from "../../components/logging/logging-tls";
import {
  filebeatCertificate,
  logstashCertificate,
  loggingTlsOn,
} from "../../components/logging/logging-tls-plan";
import { subjectAltName } from "../../components/core/openssl-certificates";
import { tempDir } from "../../scripts/temp-dir";
import { declareProdPlatform } from "../support/prod-platform";
import { runCertificateCommand } from "../support/certificate-commands";

const { spec, platform } = declareProdPlatform();
const local = loadPlatformFromStackFile(process.cwd(), "local");

test("the logs travel over TLS everywhere but on the local stack, which names no TLS file or setting", () => {
  assert.deepEqual([loggingTlsOn(spec), loggingTlsOn(local)], [true, false]);
  const slave = local.slaves[0];
  assert.doesNotMatch(filebeatConfig(local, slave), /ssl/);
  assert.doesNotMatch(logstashPipeline(local), /ssl/);
  for (const c of [filebeatContainer(local, slave), logstashContainer(local)])
    assert.deepEqual(
      c.files!.filter((f) => f.path.includes("/tls/")),
      [],
      c.name,
    );
});

test("the certificates' names: Logstash's the address Filebeat dials, as a DNS name or an IP; a Filebeat's its host's", () => {
  assert.deepEqual(logstashCertificate("prod", "lbops02.cern.ch"), {
    subject: "logstash.prod",
    names: { dns: ["lbops02.cern.ch"], ips: [] },
  });
  assert.deepEqual(logstashCertificate("cert", "10.1.2.3"), {
    subject: "logstash.cert",
    names: { dns: [], ips: ["10.1.2.3"] },
  });
  assert.deepEqual(filebeatCertificate("prod", { id: "prod-slave-1", address: "10.0.0.7" }), {
    subject: "filebeat.prod-slave-1.prod",
    names: { dns: [], ips: ["10.0.0.7"] },
  });
});

test("the commands make a PKCS #8 key, which Logstash's Beats input requires, and a certificate of the CA with exactly the names planned", () => {
  const dir = tempDir("logging-tls-");
  try {
    const ca = splitKeyAndCertificate(
      "ca",
      runCertificateCommand(LOGGING_CA_COMMAND, { CA_NAME: "t logging CA", VALID_DAYS: "30" }),
    );
    const request = logstashCertificate("t", "logs.example.org");
    const leaf = splitKeyAndCertificate(
      "leaf",
      runCertificateCommand(LOGGING_CERT_COMMAND, {
        CA_KEY: ca.key,
        CA_CERT: ca.cert,
        CERT_NAME: request.subject,
        CERT_SANS: subjectAltName(request.names),
        VALID_DAYS: "30",
      }),
    );
    assert.match(leaf.key, /^-----BEGIN PRIVATE KEY-----\n/);
    writeFileSync(join(dir, "key.pem"), leaf.key);
    const parsed = execFileSync(
      "openssl",
      ["pkey", "-in", join(dir, "key.pem"), "-noout", "-text"],
      {
        encoding: "utf8",
      },
    );
    assert.match(parsed, /ASN1 OID: prime256v1/);
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    writeFileSync(join(dir, "leaf.pem"), leaf.cert);
    const verify = spawnSync(
      "openssl",
      ["verify", "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")],
      {
        encoding: "utf8",
      },
    );
    assert.equal(verify.status, 0, verify.stderr);
    const text = execFileSync(
      "openssl",
      ["x509", "-noout", "-text", "-in", join(dir, "leaf.pem")],
      {
        encoding: "utf8",
      },
    );
    assert.match(text, /Subject: CN ?= ?logstash\.t\n/);
    assert.equal(
      text.split("X509v3 Subject Alternative Name: ")[1].split("\n")[1].trim(),
      "DNS:logs.example.org",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const mockCa = splitKeyAndCertificate("ca", mockKeyAndCertificate("platform-logging-tls-ca"));

test("prod: a CA made once, a certificate for Logstash and each slave's Filebeat, made by local commands whose output is secret and never logged", async () => {
  await platform.declared;
  await settle(declared);
  const commands = ofType(declared, "command:local:Command").filter((r) =>
    r.name.startsWith("platform-logging-tls-"),
  );
  const logging = spec.logging!;
  assert.deepEqual(
    commands.map((c) => c.name).sort(),
    [
      "platform-logging-tls-ca",
      `platform-logging-tls-cert-logstash-${logging.id}`,
      ...spec.slaves.map((h) => `platform-logging-tls-cert-filebeat-${h.id}`),
    ].sort(),
  );
  for (const c of commands) {
    assert.equal(c.inputs.logging, "none", c.name);
    assert.deepEqual(secretOutputsOf(c.name), ["stdout"], c.name);
  }
  const ca = byName(declared, "platform-logging-tls-ca");
  assert.equal(ca.inputs.create, LOGGING_CA_COMMAND);
  assert.deepEqual(ca.inputs.environment, { CA_NAME: "prod logging CA", VALID_DAYS: "3650" });
  assert.deepEqual(ignoreChangesOf("platform-logging-tls-ca"), ["create", "environment"]);
  const envOf = (name: string) => {
    const r = byName(declared, name);
    assert.equal(r.inputs.create, LOGGING_CERT_COMMAND, name);
    assert.ok(isSecretInput(r.inputs.environment), name);
    return plainInput(r.inputs.environment);
  };
  assert.deepEqual(envOf(`platform-logging-tls-cert-logstash-${logging.id}`), {
    CA_KEY: mockCa.key,
    CA_CERT: mockCa.cert,
    CERT_NAME: "logstash.prod",
    CERT_SANS: `DNS:${logging.address}`,
    VALID_DAYS: "1095",
  });
  for (const h of spec.slaves)
    assert.deepEqual(envOf(`platform-logging-tls-cert-filebeat-${h.id}`), {
      CA_KEY: mockCa.key,
      CA_CERT: mockCa.cert,
      CERT_NAME: `filebeat.${h.id}.prod`,
      CERT_SANS: `DNS:${h.address}`,
      VALID_DAYS: "1095",
    });
});
