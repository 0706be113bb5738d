// The program refuses bad input before anything is declared.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("prod");
import { platformProgram } from "../../program";

test("an even quorum in the prod stack file stops the run with nothing declared", async () => {
  const hosts = [1, 2, 3, 4].map((i) => ({
    id: `m${i}`,
    address: `m${i}`,
    roles: ["master", "slave", "lb", "monitoring", "logging"],
    cpus: 4,
    memoryMb: 8192,
    docker: { host: `ssh://root@m${i}` },
  }));
  pulumi.runtime.setAllConfig({
    "lhcb-platform:hosts": JSON.stringify(hosts),
    "lhcb-platform:catalog": "catalog/dirac.yaml",
  });
  await assert.rejects(platformProgram(process.cwd())(), (e: unknown) => {
    assert.ok(e instanceof pulumi.RunError);
    assert.equal(
      (e as Error).message,
      "invalid input:\nPulumi.prod.yaml: config.lhcb-platform:hosts: expected an odd number of master hosts for prod, got 4: a quorum of 3 tolerates 1 failure(s), no more than 3 masters would",
    );
    return true;
  });
  await settle(declared);
  assert.deepEqual(declared, []);
});
