// The port guard: on each slave of a site, a container that closes the ports instances (and
// Mesos's tasks) publish to every source but the masters, the balancers and `adminNetworks`; what
// publishes ports on a slave waits for it; a site that names no admin network is refused before
// anything is declared; the local stack, which publishes nothing, has none.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inputProblems, specWith } from "../support/stack-input";
import { portGuardsPlan } from "../../components/plan";
import { byName, dependenciesOf, installMocks, plainInput, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

const SITE_ALLOWED = [
  "master-1.site.lhcb.test",
  "master-2.site.lhcb.test",
  "master-3.site.lhcb.test",
  "lb-1.site.lhcb.test",
  "lb-2.site.lhcb.test",
  "10.231.0.1",
];

test("the site: a guard on each slave, closing every service's port and its check bridge's to all but the masters, the balancers and adminNetworks", () => {
  const planned = portGuardsPlan(specWith("site"));
  assert.deepEqual(
    planned.map((p) => p.hostId),
    ["slave-1", "slave-2", "slave-3"],
  );
  const { container } = planned[0];
  assert.deepEqual(container, {
    name: "site-port-guard-slave-1",
    hostname: "site-port-guard-slave-1",
    image: "registry.site.lhcb.test:5000/lhcb-platform/port-guard:1.0.0",
    hostNetwork: true,
    user: "0:0",
    capabilities: ["CAP_NET_ADMIN", "CAP_NET_RAW"],
    command: ["platform-port-guard", "run"],
    env: {
      GUARD_CHAIN: "LHCB-PORTS-fbae041b",
      // Configuration/Server (a command check, so its bridge's 19135 too), StorageElement, SystemAdministrator.
      GUARD_PORTS: "9135 9148 9162 19135",
      GUARD_ALLOW: SITE_ALLOWED.join(" "),
      GUARD_STACK: "site",
    },
    healthcheck: {
      test: ["CMD", "platform-port-guard", "check"],
      intervalSeconds: 300,
      timeoutSeconds: 5,
      retries: 2,
      startPeriodSeconds: 0,
    },
    restart: "always",
    memoryMb: 32,
    labels: {
      "platform.stack": "site",
      "platform.component": "port-guard",
      "platform.host": "slave-1",
    },
    stopGraceSeconds: 2,
  });
  // Every slave's guard is the same but for its name and host.
  for (const p of planned) assert.deepEqual(p.container.env, container.env, p.hostId);
});

test("prod: Mesos's task ports are closed as well; the local stack, which publishes nothing, has no guard", () => {
  const prod = specWith("prod");
  const planned = portGuardsPlan(prod);
  assert.equal(planned.length, prod.slaves.length);
  const env = planned[0].container.env!;
  assert.equal(env.GUARD_CHAIN, "LHCB-PORTS-6754af96");
  assert.match(env.GUARD_PORTS, / 31000:32000$/);
  assert.deepEqual(env.GUARD_ALLOW.split(" "), [
    ...prod.masters.map((h) => h.address),
    ...prod.loadBalancers.map((h) => h.address),
    "lbproddeploy01.cern.ch",
  ]);
  // Only pulumi-mode services publish fixed ports: every such port is guarded, no other.
  const fixed = prod.services
    .filter((s) => s.mode === "pulumi")
    .flatMap((s) => (s.check.command ? [s.port, s.port + 10000] : [s.port]));
  assert.deepEqual(
    env.GUARD_PORTS.split(" ").slice(0, -1),
    [...new Set(fixed)].sort((a, b) => a - b).map(String),
  );
  assert.deepEqual(portGuardsPlan(specWith("local")), []);
});

test("adminNetworks: required where slaves publish ports, each an address, a CIDR network or a DNS name", () => {
  assert.deepEqual(
    inputProblems(() => specWith("site", { "lhcb-platform:adminNetworks": undefined })),
    [
      "Pulumi.site.yaml config.lhcb-platform:adminNetworks: the addresses, CIDR networks or DNS names of the machines that run `pulumi up` for this stack (e.g. [deploy.example.org, 192.0.2.0/24]): its instances publish their ports on the slaves, where every source but the masters, the balancers and these is refused",
    ],
  );
  assert.deepEqual(
    inputProblems(() => specWith("site", { "lhcb-platform:adminNetworks": [] })).length,
    1,
  );
  assert.deepEqual(
    inputProblems(() =>
      specWith("site", {
        "lhcb-platform:adminNetworks": [
          "10.0.0.0/33",
          "2001:db8::/129",
          "a b",
          "10.1.2.3/8/1",
          "-j ACCEPT",
        ],
      }),
    ),
    [0, 1, 2, 3, 4].map(
      (i) =>
        `Pulumi.site.yaml config.lhcb-platform:adminNetworks[${i}]: an IPv4 or IPv6 address, a network in CIDR notation (192.0.2.0/24, 2001:db8::/32) or a DNS name`,
    ),
  );
  const accepted = ["192.0.2.7", "192.0.2.0/24", "2001:db8::5", "2001:db8::/32", "deploy.cern.ch"];
  assert.deepEqual(
    specWith("site", { "lhcb-platform:adminNetworks": accepted }).adminNetworks,
    accepted,
  );
  // The local stack publishes nothing: it needs none.
  assert.deepEqual(specWith("local").adminNetworks, []);
});

test("what publishes ports on a slave waits for that slave's guard; the guard's container as declared", async () => {
  const { platform } = declareSitePlatform({});
  await platform.declared;
  await settle(declared);
  assert.deepEqual(Object.keys(platform.portGuards.guards).sort(), [
    "slave-1",
    "slave-2",
    "slave-3",
  ]);
  const guard = byName(declared, "platform-port-guards-slave-1");
  assert.equal(guard.type, "docker:index/container:Container");
  assert.equal(plainInput(guard.inputs.networkMode), "host");
  assert.deepEqual(plainInput(guard.inputs.capabilities), {
    drops: ["ALL"],
    adds: ["CAP_NET_ADMIN", "CAP_NET_RAW"],
  });
  assert.ok(guard.provider?.includes("::platform-hosts-slave-1::"), guard.provider);
  const instances = declared.filter(
    (r) =>
      r.type === "docker:index/container:Container" &&
      (r.inputs.labels as { label: string; value: string }[]).some(
        (l) => l.label === "platform.component" && l.value === "service",
      ),
  );
  assert.equal(instances.length, 6);
  for (const i of instances) {
    const host = (i.inputs.labels as { label: string; value: string }[]).find(
      (l) => l.label === "platform.host",
    )!.value;
    assert.ok(
      dependenciesOf(i.name).includes(`platform-port-guards-${host}`),
      `${i.name} waits for the guard of ${host}`,
    );
  }
});
