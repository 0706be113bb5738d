// The commands that make the platform's certificates, where `pulumi up` runs without openssl.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { CA_COMMAND, CERT_COMMAND } from "../../components/consul/consul-tls";
import { LOGGING_CA_COMMAND, LOGGING_CERT_COMMAND } from "../../components/logging/logging-tls";

const commands: [string, string, string][] = [
  ["Consul's CA", CA_COMMAND, "Consul's TLS certificates"],
  ["Consul's certificates", CERT_COMMAND, "Consul's TLS certificates"],
  ["the logging CA", LOGGING_CA_COMMAND, "the logs' TLS certificates"],
  ["the logs' certificates", LOGGING_CERT_COMMAND, "the logs' TLS certificates"],
];

for (const [what, command, made] of commands)
  test(`without openssl where pulumi up runs, the command of ${what} says what it makes`, () => {
    const r = spawnSync("/bin/sh", ["-c", command], {
      env: { PATH: "/nonexistent", CA_NAME: "x", VALID_DAYS: "1" },
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `making ${made} needs openssl on the machine that runs pulumi up\n`);
  });
