// Grafana with a certificate of the site's own CA (`grafanaCertificate`, its key the secret
// `grafanaCertificateKey`): checked before anything is declared (the certificate parses, is a
// server's, names the monitoring host, is valid now; the key is its own), and then served by
// Grafana instead of one the metrics CA makes. Certificates made by openssl, as `up` makes them.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { byName, installMocks, isSecretInput, plainInput, settle } from "../support/mocks";

const declared = installMocks("prod");
import {
  certificateKeyProblem,
  isCertificatePem,
  serverCertificateProblem,
} from "../../components/core/certificate-checks";
import { HostInventory } from "../../components/hosts/host-inventory";
import { METRICS_CA_COMMAND, METRICS_CERT_COMMAND } from "../../components/metrics/metrics-tls";
import { MetricsStack } from "../../components/metrics/metrics-stack";
import { requiredSecrets, secretProblems } from "../../components/secret-checks";
import { makeCa, signCertificate } from "../support/certificate-commands";
import { inputProblems, specWith } from "../support/stack-input";

/** The site's own CA, and Grafana's certificate from it for the prod monitoring host. */
const siteCa = makeCa(METRICS_CA_COMMAND, "the site's CA");
const grafana = signCertificate(METRICS_CERT_COMMAND, siteCa, {
  subject: "grafana.lhcb.example",
  names: { dns: ["lbops01.cern.ch"], ips: ["192.0.2.7"] },
});
const elsewhere = signCertificate(METRICS_CERT_COMMAND, siteCa, {
  subject: "another host",
  names: { dns: ["lbops02.cern.ch"], ips: [] },
});
const DAY = 24 * 3600 * 1000;
const FILE = "Pulumi.prod.yaml";
const KEY = "lhcb-platform:grafanaCertificate";

test("a certificate is one or more PEM certificate blocks and nothing else", () => {
  assert.equal(isCertificatePem(grafana.cert), true);
  assert.equal(isCertificatePem(grafana.cert + siteCa.cert), true, "with its CA's after it");
  assert.equal(isCertificatePem(""), false);
  assert.equal(isCertificatePem(grafana.key), false, "a key");
  assert.equal(isCertificatePem(grafana.cert + grafana.key), false, "a key after it");
  assert.equal(
    isCertificatePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    false,
    "a block that does not parse",
  );
});

test("a server's certificate: names the address its clients dial, valid now, not a CA's", () => {
  const now = new Date();
  assert.equal(serverCertificateProblem(grafana.cert, "lbops01.cern.ch", now), undefined);
  assert.equal(serverCertificateProblem(grafana.cert, "192.0.2.7", now), undefined);
  assert.equal(
    serverCertificateProblem(grafana.cert + siteCa.cert, "lbops01.cern.ch", now),
    undefined,
  );
  assert.equal(
    serverCertificateProblem(elsewhere.cert, "lbops01.cern.ch", now),
    "a certificate that names lbops01.cern.ch, where its clients reach it; the one given names DNS:lbops02.cern.ch",
  );
  assert.equal(
    serverCertificateProblem(grafana.cert, "192.0.2.8", now),
    "a certificate that names 192.0.2.8, where its clients reach it; the one given names DNS:lbops01.cern.ch, IP Address:192.0.2.7",
  );
  assert.equal(
    serverCertificateProblem(siteCa.cert, "lbops01.cern.ch", now),
    "a server's certificate; the first one given is a CA's",
  );
  // Made valid for 2 days from now (`signCertificate`).
  assert.match(
    serverCertificateProblem(grafana.cert, "lbops01.cern.ch", new Date(Date.now() + 3 * DAY)) ?? "",
    /^a certificate valid now; the one given expired at \d{4}-\d\d-\d\dT/,
  );
  assert.match(
    serverCertificateProblem(grafana.cert, "lbops01.cern.ch", new Date(Date.now() - DAY)) ?? "",
    /^a certificate valid now; the one given is valid from \d{4}-\d\d-\d\dT/,
  );
});

test("the key must be the certificate's own, and is never quoted", () => {
  assert.equal(certificateKeyProblem(grafana.key, grafana.cert), undefined);
  assert.equal(
    certificateKeyProblem(elsewhere.key, grafana.cert),
    "the private key of the certificate given beside it; the value given is another key",
  );
  assert.equal(
    certificateKeyProblem("not a key", grafana.cert),
    "a private key in PEM form (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----); the value given is not one",
  );
});

test("grafanaCertificate in a stack file: kept in the spec where it will do, else refused naming the file and the field", () => {
  assert.equal(specWith("prod", { [KEY]: grafana.cert }).grafanaCertificate, grafana.cert);
  assert.equal(specWith("prod").grafanaCertificate, undefined);
  assert.deepEqual(
    inputProblems(() => specWith("prod", { [KEY]: elsewhere.cert })),
    [
      `${FILE} config.${KEY}: a certificate that names lbops01.cern.ch, where its clients reach it; the one given names DNS:lbops02.cern.ch`,
    ],
  );
  assert.deepEqual(
    inputProblems(() => specWith("prod", { [KEY]: "-----BEGIN CERTIFICATE-----" })),
    [
      `${FILE} config.${KEY}: a server certificate in PEM form (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), the server's own first, then any intermediate CA's`,
    ],
  );
  assert.deepEqual(
    inputProblems(() =>
      specWith("prod", {
        [KEY]: grafana.cert,
        "lhcb-platform:features": { logging: true, metrics: true, grafana: false, consulEsm: true },
      }),
    ),
    [
      `${FILE} config.${KEY}: unset: Grafana serves HTTPS only on cert and prod with features.metrics and features.grafana on; Grafana is off`,
    ],
  );
  assert.deepEqual(
    inputProblems(() => specWith("local", { [KEY]: grafana.cert })),
    [
      `Pulumi.local.yaml config.${KEY}: unset: Grafana serves HTTPS only on cert and prod with features.metrics and features.grafana on; this is the local stack`,
    ],
  );
});

test("grafanaCertificateKey: required beside the certificate, its own key, a secret; alone, refused", () => {
  const spec = specWith("prod", { [KEY]: grafana.cert });
  assert.equal(
    requiredSecrets(spec).get("grafanaCertificateKey"),
    "grafanaCertificate gives Grafana a certificate of its own",
  );
  assert.equal(requiredSecrets(specWith("prod")).has("grafanaCertificateKey"), false);
  const problems = (s: typeof spec, given: Parameters<typeof secretProblems>[1]): string[] =>
    secretProblems(s, given, FILE, "config.lhcb-platform:")
      .filter((p) => p.path.endsWith("grafanaCertificateKey"))
      .map((p) => `${p.path}: ${p.expected}`);
  const path = "config.lhcb-platform:grafanaCertificateKey";
  assert.deepEqual(problems(spec, {}), [
    `${path}: the secret, required because grafanaCertificate gives Grafana a certificate of its own: pulumi config set --secret lhcb-platform:grafanaCertificateKey < KEYFILE`,
  ]);
  assert.deepEqual(
    problems(spec, { grafanaCertificateKey: { value: grafana.key, secret: true } }),
    [],
  );
  const plain = problems(spec, { grafanaCertificateKey: { value: grafana.key, secret: false } });
  assert.deepEqual(plain, [
    `${path}: an encrypted value (pulumi config set --secret lhcb-platform:grafanaCertificateKey < KEYFILE); it is in plain text`,
  ]);
  const other = problems(spec, { grafanaCertificateKey: { value: elsewhere.key, secret: true } });
  assert.deepEqual(other, [
    `${path}: the private key of the certificate given beside it; the value given is another key`,
  ]);
  assert.equal(JSON.stringify(other).includes("PRIVATE KEY-----\n"), false);
  assert.deepEqual(
    problems(specWith("prod"), { grafanaCertificateKey: { value: grafana.key, secret: true } }),
    [
      `${path}: unset, or grafanaCertificate set beside it: it is the key of that certificate, and none is given`,
    ],
  );
});

test("Grafana serves the given certificate and key (a secret); the metrics CA makes none for it, InfluxDB's still", async () => {
  const spec = specWith("prod", { [KEY]: grafana.cert });
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  new MetricsStack("metrics", {
    spec,
    inventory,
    grafanaAdminPassword: pulumi.secret("correct-horse"),
    grafanaCertificateKey: pulumi.secret(grafana.key),
  });
  await settle(declared);
  const names = declared.map((r) => r.name);
  assert.equal(names.includes("metrics-tls-cert-grafana"), false);
  assert.equal(names.includes("metrics-tls-cert-influxdb"), true);
  const uploads = byName(declared, "metrics-grafana-prod-ops-1").inputs.uploads;
  assert.ok(isSecretInput(uploads));
  const tls = (plainInput(uploads) as { file: string; content: string }[]).filter((u) =>
    u.file.startsWith("/etc/grafana/tls/"),
  );
  assert.deepEqual(tls, [
    { file: "/etc/grafana/tls/grafana.pem", content: grafana.cert },
    { file: "/etc/grafana/tls/grafana-key.pem", content: grafana.key },
  ]);
  assert.throws(
    () => new MetricsStack("nokey", { spec, inventory, grafanaAdminPassword: "x".repeat(12) }),
    /stack prod: the secret lhcb-platform:grafanaCertificateKey is required when grafanaCertificate is set/,
  );
});
