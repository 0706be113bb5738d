// With features.mesos off (the local stack), the Mesos-stack components declare nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { countByType, installMocks, settle } from "../support/mocks";

const declared = installMocks("local");
import { Chronos } from "../../components/chronos/chronos-framework";
import { ChronosJobs } from "../../components/chronos/chronos-jobs";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import { MarathonApps } from "../../components/marathon/marathon-apps";
import { Marathon } from "../../components/marathon/marathon-framework";
import { MesosCluster } from "../../components/mesos/mesos-cluster";
import { HostWhitelist } from "../../components/whitelist/host-whitelist";

const spec = loadPlatformFromStackFile(process.cwd(), "local");

test("local: no Mesos, Marathon, Chronos, apps, jobs or whitelist", async () => {
  assert.equal(spec.features.mesos, false);
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  const marathon = new Marathon("marathon", { spec, inventory });
  const chronos = new Chronos("chronos", { spec, inventory });
  new MesosCluster("mesos", { spec, inventory });
  new HostWhitelist("whitelist", { spec, inventory });
  new MarathonApps("apps", { spec, marathonUrl: marathon.url });
  new ChronosJobs("jobs", {
    spec,
    chronosUrl: chronos.url,
    from: new Date("2024-03-01T00:00:00Z"),
  });
  await settle(declared);
  assert.deepEqual(countByType(declared.filter((r) => !r.name.startsWith("hosts"))), {
    "lhcb-platform:chronos:Chronos": 1,
    "lhcb-platform:chronos:ChronosJobs": 1,
    "lhcb-platform:marathon:Marathon": 1,
    "lhcb-platform:marathon:MarathonApps": 1,
    "lhcb-platform:mesos:MesosCluster": 1,
    "lhcb-platform:whitelist:HostWhitelist": 1,
  });
  assert.equal(marathon.url, "");
  assert.equal(chronos.url, "");
});
