// Which secrets a stack needs, and which values of them its parts accept.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { requiredSecrets, secretProblems } from "../../components/secret-checks";

const ROOT = process.cwd();

test("each stack file's required secrets", () => {
  const required = (stack: string) => [...requiredSecrets(loadPlatformFromStackFile(ROOT, stack))];
  assert.deepEqual(required("local"), [], "the local stack: gossip in the clear, no Grafana");
  assert.deepEqual(required("prod"), [
    ["consulGossipKey", "Consul's gossip is encrypted on prod"],
    ["grafanaAdminPassword", "Grafana is on (features.grafana)"],
  ]);
  assert.deepEqual(
    required("site").map(([k]) => k),
    ["consulGossipKey", "sshPrivateKey", "registryPassword"],
  );
  const prod = loadPlatformFromStackFile(ROOT, "prod");
  const prepared = {
    ...prod,
    hosts: prod.hosts.map((h, i) =>
      i === 2 ? { ...h, prepare: { user: "root", port: 22, commands: ["true"] } } : h,
    ),
  };
  assert.deepEqual(
    requiredSecrets(prepared).get("sshPrivateKey"),
    `host ${prod.hosts[2].id} has prepare commands, run over SSH`,
  );
});

test("values the parts accept pass; each wrong form is named without its value", () => {
  const spec = loadPlatformFromStackFile(ROOT, "prod");
  const secret = (value: string) => ({ value, secret: true });
  const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
  for (const bytes of [16, 24, 32])
    assert.deepEqual(
      secretProblems(
        spec,
        {
          consulGossipKey: secret(randomBytes(bytes).toString("base64")),
          consulManagementToken: secret(randomUUID().toUpperCase()),
          grafanaAdminPassword: secret("correct horse battery"),
          sshPrivateKey: secret(String(pem)),
        },
        "Pulumi.prod.yaml",
        "",
      ),
      [],
      `a ${bytes}-byte gossip key`,
    );
  const wrong = secretProblems(
    spec,
    {
      consulGossipKey: secret(randomBytes(32).toString("base64url")),
      consulManagementToken: secret(`${randomUUID()}\n`),
      grafanaAdminPassword: secret("twelve chars\nsecond line"),
      sshPrivateKey: secret("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 public@key"),
    },
    "Pulumi.prod.yaml",
    "",
  ).map((p) => `${p.path}: ${p.expected}`);
  assert.deepEqual(wrong, [
    "consulGossipKey: a gossip key as consul keygen makes it: standard base64 of 16, 24 or 32 bytes; the value given is not base64",
    "consulManagementToken: a UUID (8-4-4-4-12 hexadecimal digits), the form Consul takes a token in; the value given is not one",
    "grafanaAdminPassword: a password on one line; the value given has a line break or NUL",
    "sshPrivateKey: a private key in PEM or OpenSSH form (-----BEGIN ... PRIVATE KEY----- ... -----END ... PRIVATE KEY-----); the value given is not one",
  ]);
});
