// Consul's TLS: what the plan says (names, blocks, files), what the certificate commands make with
// the real openssl, and, on the prod stack under mocks, which certificate and CA each part gets and
// how the library's own requests check them. The mocks print `mockKeyAndCertificate(<name>)` for
// a command that runs openssl (test/support/mocks.ts).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  byName,
  installMocks,
  isSecretInput,
  mockKeyAndCertificate,
  ofType,
  plainInput,
  secretOutputsOf,
  settle,
  uploadsByPath,
} from "../support/mocks";

const declared = installMocks("prod");
import { CA_COMMAND, CERT_COMMAND } from "../../components/consul/consul-tls";
import {
  agentCertificateNames,
  consulApiUrl,
  consulPortsBlock,
  tlsEnforced,
} from "../../components/consul/consul-tls-plan";
import { splitKeyAndCertificate, subjectAltName } from "../../components/core/openssl-certificates";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { PROBE_COMMAND, trustingProbeCa } from "../../components/core/readiness";
import { declareProdPlatform } from "../support/prod-platform";
import { runCertificateCommand } from "../support/certificate-commands";

const { spec, platform } = declareProdPlatform();
const mockCa = splitKeyAndCertificate("mock", mockKeyAndCertificate("platform-consul-tls-ca"));

test("TLS is on everywhere but on the local stack: HTTPS on 8501 only there, HTTP on 8500 locally", () => {
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  assert.deepEqual([tlsEnforced(spec), tlsEnforced(local)], [true, false]);
  assert.deepEqual(consulPortsBlock(spec), { http: -1, https: 8501, dns: 8600 });
  assert.deepEqual(consulPortsBlock(local), { http: 8500, dns: 8600 });
  assert.equal(consulApiUrl(spec, "h.example.org"), "https://h.example.org:8501");
  assert.equal(consulApiUrl(local, "c"), "http://c:8500");
});

test("a certificate's names: the server or client name of its datacenter, its host's address as an IP or a DNS name, the host gateway and loopback", () => {
  const server = agentCertificateNames("dc1", { address: "10.231.0.5" }, true);
  assert.deepEqual(server, {
    dns: ["server.dc1.consul", "host.docker.internal", "localhost"],
    ips: ["10.231.0.5", "127.0.0.1"],
  });
  assert.equal(
    subjectAltName(server),
    "DNS:server.dc1.consul,DNS:host.docker.internal,DNS:localhost,IP:10.231.0.5,IP:127.0.0.1",
  );
  assert.deepEqual(agentCertificateNames("dc2", { address: "lbproxy01.cern.ch" }, false), {
    dns: ["client.dc2.consul", "lbproxy01.cern.ch", "host.docker.internal", "localhost"],
    ips: ["127.0.0.1"],
  });
});

test("a command's output that lacks the key or the certificate is refused, naming what it held", () => {
  assert.throws(() => splitKeyAndCertificate("the Consul CA of prod", "openssl: not found\n"), {
    message: "the Consul CA of prod: expected a PEM private key and a PEM certificate, got neither",
  });
  assert.throws(
    () =>
      splitKeyAndCertificate("x", "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n"),
    { message: "x: expected a PEM private key and a PEM certificate, got CERTIFICATE" },
  );
});

/** Runs a certificate command with the real openssl; its stdout. */
const run = runCertificateCommand;

test("the commands make a CA and an agent certificate that openssl verifies, with exactly the names and uses planned; another CA's does not verify", () => {
  const dir = mkdtempSync(join(tmpdir(), "consul-tls-"));
  const ca = splitKeyAndCertificate(
    "ca",
    run(CA_COMMAND, { CA_NAME: "t Consul CA", VALID_DAYS: "30" }),
  );
  const other = splitKeyAndCertificate(
    "other",
    run(CA_COMMAND, { CA_NAME: "o", VALID_DAYS: "30" }),
  );
  const names = agentCertificateNames("dc1", { address: "10.231.0.5" }, true);
  const leaf = splitKeyAndCertificate(
    "leaf",
    run(CERT_COMMAND, {
      CA_KEY: ca.key,
      CA_CERT: ca.cert,
      CERT_NAME: names.dns[0],
      CERT_SANS: subjectAltName(names),
      VALID_DAYS: "30",
    }),
  );
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const verify = (caFile: string) =>
    spawnSync("openssl", ["verify", "-CAfile", caFile, file("leaf.pem", leaf.cert)], {
      encoding: "utf8",
    });
  assert.equal(verify(file("ca.pem", ca.cert)).status, 0, verify(join(dir, "ca.pem")).stderr);
  assert.notEqual(verify(file("other.pem", other.cert)).status, 0);
  const text = execFileSync("openssl", ["x509", "-noout", "-text", "-in", join(dir, "leaf.pem")], {
    encoding: "utf8",
  });
  const after = (heading: string) => text.split(`${heading}: `)[1].split("\n")[1].trim();
  assert.equal(
    after("X509v3 Subject Alternative Name"),
    "DNS:server.dc1.consul, DNS:host.docker.internal, DNS:localhost, IP Address:10.231.0.5, IP Address:127.0.0.1",
  );
  assert.equal(
    after("X509v3 Extended Key Usage"),
    "TLS Web Server Authentication, TLS Web Client Authentication",
  );
  assert.equal(after("X509v3 Basic Constraints"), "CA:FALSE");
  assert.match(text, /Subject: CN ?= ?server\.dc1\.consul\n/);
  assert.match(text, /Public Key Algorithm: id-ecPublicKey/);
  // The CA's key never shows in what the certificate command prints.
  const printed = run(CERT_COMMAND, {
    CA_KEY: ca.key,
    CA_CERT: ca.cert,
    CERT_NAME: "n",
    CERT_SANS: "DNS:n",
    VALID_DAYS: "1",
  });
  assert.equal(printed.includes(ca.key.split("\n")[1]), false);
});

test("prod: a CA and a certificate per host, made by local commands whose output is secret and never logged", async () => {
  await platform.declared;
  await settle(declared);
  const commands = ofType(declared, "command:local:Command").filter((r) =>
    r.name.startsWith("platform-consul-tls-"),
  );
  assert.deepEqual(
    commands.map((c) => c.name).sort(),
    ["platform-consul-tls-ca", ...spec.hosts.map((h) => `platform-consul-tls-cert-${h.id}`)].sort(),
  );
  const ca = byName(declared, "platform-consul-tls-ca");
  assert.equal(ca.inputs.create, CA_COMMAND);
  assert.deepEqual(ca.inputs.environment, { CA_NAME: "prod Consul CA", VALID_DAYS: "3650" });
  for (const c of commands) {
    assert.equal(c.inputs.logging, "none", c.name);
    assert.deepEqual(secretOutputsOf(c.name), ["stdout"], c.name);
  }
  // A master's certificate is a server's; every other host's a client's. The CA's key is given
  // to the command as a secret.
  const master = spec.masters[0];
  const serverCert = byName(declared, `platform-consul-tls-cert-${master.id}`);
  assert.equal(serverCert.inputs.create, CERT_COMMAND);
  assert.ok(isSecretInput(serverCert.inputs.environment));
  assert.deepEqual(plainInput(serverCert.inputs.environment), {
    CA_KEY: mockCa.key,
    CA_CERT: mockCa.cert,
    CERT_NAME: "server.dc1.consul",
    CERT_SANS: `DNS:server.dc1.consul,DNS:${master.address},DNS:host.docker.internal,DNS:localhost,IP:127.0.0.1`,
    VALID_DAYS: "1095",
  });
  const lb = spec.loadBalancers[0];
  const clientEnv = plainInput(
    byName(declared, `platform-consul-tls-cert-${lb.id}`).inputs.environment,
  ) as Record<string, string>;
  assert.equal(clientEnv.CERT_NAME, "client.dc1.consul");
});

/** The uploads of container resource `name` by path (secret or not). */
const uploadsOf = (name: string) => uploadsByPath(declared, name);

test("prod: each Consul process gets its own host's certificate and key (the key a secret) and the CA; each client of the API gets the CA", async () => {
  await platform.declared;
  await settle(declared);
  const own = (host: string) => mockKeyAndCertificate(`platform-consul-tls-cert-${host}`);
  for (const [resource, host] of [
    [`platform-consul-server-${spec.masters[2].id}`, spec.masters[2].id],
    [`platform-consul-agent-${spec.slaves[3].id}`, spec.slaves[3].id],
  ]) {
    // The key makes the uploads a secret as a whole.
    assert.ok(isSecretInput(byName(declared, resource).inputs.uploads), resource);
    const uploads = uploadsOf(resource);
    const mine = splitKeyAndCertificate(host, own(host));
    assert.equal(uploads.get("/consul/tls/agent.pem"), mine.cert, resource);
    assert.equal(uploads.get("/consul/tls/agent-key.pem"), mine.key, resource);
    assert.equal(uploads.get("/consul/tls/ca.pem"), mockCa.cert, resource);
  }
  for (const resource of [
    `platform-consul-esm-${spec.masters[0].id}`,
    `platform-lb-${spec.loadBalancers[1].id}`,
    `platform-whitelist-${spec.masters[1].id}`,
  ])
    assert.equal(uploadsOf(resource).get("/etc/platform/consul-ca.pem"), mockCa.cert, resource);
  const agent = ofType(declared, "docker:index/container:Container").find((r) =>
    (r.inputs.labels as { label: string; value: string }[]).some(
      (l) => l.label === "platform.component" && l.value === "agent",
    ),
  )!;
  assert.equal(uploadsOf(agent.name).get("/etc/platform/consul-ca.pem"), mockCa.cert);
});

test("prod: the provider, the leader probe and each server's readiness ask over HTTPS, trusting the platform's CA", async () => {
  await platform.declared;
  await settle(declared);
  const provider = ofType(declared, "pulumi:providers:consul")[0];
  assert.equal(provider.inputs.address, `https://${spec.masters[0].address}:8501`);
  assert.equal(provider.inputs.scheme, "https");
  assert.equal(provider.inputs.caPem, mockCa.cert);
  const leader = byName(declared, "platform-consul-leader");
  assert.equal(leader.inputs.create, trustingProbeCa(PROBE_COMMAND));
  const env = plainInput(leader.inputs.environment) as Record<string, string>;
  assert.equal(env.PROBE_CA_PEM, mockCa.cert);
  assert.equal(env.PROBE_HTTP, `https://${spec.masters[0].address}:8501/v1/acl/token/self`);
  const ready = byName(declared, `platform-consul-server-${spec.masters[1].id}-ready`);
  const readyEnv = plainInput(ready.inputs.environment) as Record<string, string>;
  assert.equal(readyEnv.PROBE_TLS, "1");
  assert.equal(readyEnv.PROBE_PORT, "8501");
  assert.equal(readyEnv.PROBE_CA_PEM, mockCa.cert);
  assert.match(
    String(ready.inputs.create),
    /NODE_EXTRA_CA_CERTS="\$ca" node -e "\$QUORUM_PROBE_PROGRAM"/,
  );
  assert.match(
    String(ready.inputs.delete),
    /NODE_EXTRA_CA_CERTS="\$ca" node -e "\$CONSUL_HANDOVER_PROGRAM"/,
  );
});

test("the probe wrapper hands Node the CA in PROBE_CA_PEM and removes its file, passing the program's exit status on", () => {
  const dir = mkdtempSync(join(tmpdir(), "probe-ca-"));
  const program =
    'const f = process.env.NODE_EXTRA_CA_CERTS; console.log(require("fs").readFileSync(f, "utf8").trim()); console.error(f); process.exit(3)';
  const r = spawnSync("/bin/sh", ["-c", trustingProbeCa('node -e "$P"')], {
    env: { PATH: process.env.PATH ?? "", P: program, PROBE_CA_PEM: "the-ca", TMPDIR: dir },
    encoding: "utf8",
  });
  assert.equal(r.status, 3);
  assert.equal(r.stdout, "the-ca\n");
  const file = r.stderr.trim();
  assert.ok(file.startsWith(dir), file);
  assert.equal(spawnSync("test", ["-e", file]).status, 1, `${file} was left behind`);
});
