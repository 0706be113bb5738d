// The served gate's plan: which balancers gate an instance, how each is reached, and what the
// gate's command is given.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  GATE_PROGRAM,
  gateBalancers,
  gateEnvironment,
  IN_BALANCER_SCRIPT,
} from "../../components/haproxy/balancer-gate";
import { PROJECT_ROOT } from "../../scripts/engine-stack";

const site = loadPlatformFromStackFile(PROJECT_ROOT, "site");
const engineOf = (id: string) => ({ host: `ssh://root@${id}.example` });

test("every balancer gates an instance, each through its host's Engine, but one on a failed host", () => {
  assert.deepEqual(
    gateBalancers(site, () => false, engineOf),
    [
      { id: "lb-1", engine: { host: "ssh://root@lb-1.example" }, container: "site-lb-lb-1" },
      { id: "lb-2", engine: { host: "ssh://root@lb-2.example" }, container: "site-lb-lb-2" },
    ],
  );
  assert.deepEqual(
    gateBalancers(site, (id) => id === "lb-1", engineOf),
    [{ id: "lb-2", engine: { host: "ssh://root@lb-2.example" }, container: "site-lb-lb-2" }],
  );
  assert.deepEqual(
    gateBalancers(site, () => true, engineOf),
    [],
  );
});

test("the gate's environment names the instance, its backend and server, the balancers and the time it waits", () => {
  const cs = site.services.find((s) => s.name === "Configuration/Server")!;
  const balancers = [
    {
      id: "lb-2",
      engine: { host: "tcp://lb-2:2376", certPath: "/etc/docker/lb-2" },
      container: "c",
    },
  ];
  assert.deepEqual(gateEnvironment(cs, "site-configuration-server-slave-1", balancers, 7), {
    GATE_PROGRAM,
    GATE_SCRIPT: IN_BALANCER_SCRIPT,
    GATE_WHAT: "instance site-configuration-server-slave-1 of Configuration/Server",
    GATE_BACKEND: "be_configuration_server",
    GATE_SERVER: "site-configuration-server-slave-1",
    GATE_BALANCERS:
      '[{"id":"lb-2","engine":{"host":"tcp://lb-2:2376","certPath":"/etc/docker/lb-2"},"container":"c"}]',
    GATE_TIMEOUT_SECONDS: "7",
  });
  assert.equal(gateEnvironment(cs, "x", []).GATE_TIMEOUT_SECONDS, "120");
});
