// Chronos and its jobs under mocks: exact resources for the cert stack file.
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  installMocks,
  ofType,
  plainInput,
  settle,
  uploadsByPath,
} from "../support/mocks";

const declared = installMocks("cert");
import {
  CHRONOS_ENTRYPOINT,
  chronosArgs,
  chronosFileValues,
} from "../../components/chronos/chronos-containers";
import { withCurlCredentials } from "../../components/core/curl-credentials";
import { startWithFiles } from "../../components/core/start-with-files";
import { Chronos } from "../../components/chronos/chronos-framework";
import { chronosJobJson } from "../../components/chronos/chronos-job";
import { ChronosJobs } from "../../components/chronos/chronos-jobs";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";

const spec = loadPlatformFromStackFile(process.cwd(), "cert");
const FROM = new Date("2024-03-01T10:07:13Z");
const chronosKeys = spec.agents.filter((a) => a.mode === "marathon").map((a) => a.key);

test("cert: Chronos on the 3 masters, one submitted job per marathon-mode agent", async () => {
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  const chronos = new Chronos("chronos", {
    spec,
    inventory,
    zookeeperPassword: pulumi.secret("chronos-zk-password"),
    mesosSecrets: {
      admin: pulumi.secret("admin-secret"),
      chronos: pulumi.secret("chronos-secret"),
    },
  });
  const jobs = new ChronosJobs("jobs", {
    spec,
    chronosUrl: chronos.url,
    from: FROM,
    apiCredentials: pulumi.secret("platform-admin:admin-secret"),
    dependsOn: Object.values(chronos.containers),
  });
  await settle(declared);

  // Every agent but Framework/CAUpdateAgent (mode: pulumi) runs under Chronos in cert.
  assert.equal(chronosKeys.length, 9);
  assert.equal(chronosKeys.includes("framework-caupdateagent"), false);
  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("chronos"))), {
    "docker:index/container:Container": 3,
    "lhcb-platform:chronos:Chronos": 1,
  });
  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("jobs"))), {
    "command:local:Command": 9,
    "lhcb-platform:chronos:ChronosJobs": 1,
  });
  assert.deepEqual(
    ofType(declared, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    ["chronos-cert-master-1", "chronos-cert-master-2", "chronos-cert-master-3"],
  );
  assert.deepEqual(
    ofType(declared, "command:local:Command")
      .map((r) => r.name)
      .sort(),
    chronosKeys.map((k) => `jobs-${k}`).sort(),
  );
  assert.equal(chronos.url, "http://lbcertmaster01.cern.ch:4400");
  assert.equal(
    jobs.jobNames["workloadmanagement-pilotstatusagent"],
    "cert-workloadmanagement-pilotstatusagent",
  );

  const c = byName(declared, "chronos-cert-master-3");
  assert.match(c.provider ?? "", /::hosts-cert-master-3::/);
  assert.equal(c.inputs.name, "cert-chronos-cert-master-3");
  assert.equal(c.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/chronos:v3.0.2");
  assert.equal(c.inputs.networkMode, "host");
  assert.deepEqual(c.inputs.envs, ["PORT0=4400", "PORT1=4401"]);
  assert.deepEqual(c.inputs.command, chronosArgs(spec, spec.masters[2]));
  // The start script runs once the options holding ZooKeeper's credentials are read from files
  // and the address it advertises to the masters is resolved.
  assert.deepEqual(
    c.inputs.entrypoints,
    startWithFiles(CHRONOS_ENTRYPOINT, {
      ...chronosFileValues(spec)!,
      advertiseAddress: spec.masters[2].address,
    }),
  );
  const zkHosts = spec.masters.map((m) => `${m.address}:2181`).join(",");
  assert.deepEqual(Object.fromEntries(uploadsByPath(declared, "chronos-cert-master-3")), {
    "/etc/platform/zookeeper/mesos-url": `zk://chronos:chronos-zk-password@${zkHosts}/mesos`,
    "/etc/platform/zookeeper/auth": "chronos:chronos-zk-password",
    "/etc/platform/mesos/framework-secret": "chronos-secret",
    "/etc/platform/mesos/http-credentials": "platform-admin:admin-secret",
  });

  const agent = spec.agents.find((a) => a.key === "workloadmanagement-pilotstatusagent")!;
  const job = byName(declared, "jobs-workloadmanagement-pilotstatusagent");
  // Chronos asks for credentials on cert: curl reads them from a file made of API_CREDENTIALS.
  const post = withCurlCredentials(
    "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X POST -H 'Content-Type: application/json' --data-binary @- 'http://lbcertmaster01.cern.ch:4400/v1/scheduler/iso8601'",
  );
  assert.equal(job.inputs.create, post);
  assert.equal(job.inputs.update, post);
  assert.equal(
    job.inputs.delete,
    withCurlCredentials(
      "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X DELETE 'http://lbcertmaster01.cern.ch:4400/v1/scheduler/job/cert-workloadmanagement-pilotstatusagent'",
    ),
  );
  assert.deepEqual(plainInput(job.inputs.environment), {
    API_CREDENTIALS: "platform-admin:admin-secret",
  });
  assert.equal(job.inputs.stdin, chronosJobJson(spec, agent, { from: FROM }));
  assert.deepEqual(job.inputs.triggers, [job.inputs.stdin]);
  const parsed = JSON.parse(job.inputs.stdin as string);
  assert.equal(parsed.schedule, "R/2024-03-01T10:15:00Z/PT15M");
  assert.equal(parsed.concurrent, false);
});
