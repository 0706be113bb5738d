// The port guard: on each slave of a site, a container that closes the ports instances (and
// Mesos's tasks) publish to every source but the masters, the balancers and `adminNetworks`; what
// publishes ports on a slave waits for it; a site that names no admin network is refused before
// anything is declared; the local stack, which publishes nothing, has none.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inputProblems, specWith } from "../support/stack-input";
import { portGuardsPlan } from "../../components/plan";
import {
  GUARD_READY_SCRIPT,
  guardedPortsOn,
  guardRetireEnvironment,
  portGuardHosts,
  retireHint,
} from "../../components/hosts/port-guard";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../scripts/temp-dir";
import { byName, dependenciesOf, installMocks, plainInput, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";
import { GATE_COMMAND, GATE_PROGRAM } from "../../components/haproxy/balancer-gate";

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
    image: "registry.site.lhcb.test:5000/lhcb-platform/port-guard:1.1.0",
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
  // Every service's port and its bridge's: published as they are by a pulumi-mode instance, a
  // Marathon task's container port where it is routed to straight.
  const fixed = prod.services.flatMap((s) =>
    s.check.command ? [s.port, s.port + 10000] : [s.port],
  );
  assert.ok(prod.services.some((s) => s.mode === "marathon"));
  assert.deepEqual(
    env.GUARD_PORTS.split(" ").slice(0, -1),
    [...new Set(fixed)].sort((a, b) => a - b).map(String),
  );
  assert.deepEqual(portGuardsPlan(specWith("local")), []);
});

test("a slave that is also a balancer: the services' ports its HAProxy serves are not closed there; with nothing else to close, it has no guard", () => {
  const site = specWith("site");
  const both = { ...site.slaves[0], roles: ["slave" as const, "lb" as const] };
  assert.deepEqual(guardedPortsOn(site, both), ["19135"]);
  assert.deepEqual(guardedPortsOn({ ...site, features: { ...site.features, mesos: true } }, both), [
    "19135",
    "31000:32000",
  ]);
  const noBridge = {
    ...site,
    services: site.services.map((s) => ({ ...s, check: { ...s.check, command: undefined } })),
    slaves: [both, ...site.slaves.slice(1)],
  };
  assert.deepEqual(
    portGuardHosts(noBridge).map((h) => h.id),
    ["slave-2", "slave-3"],
  );
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
          "fe80::1%eth0",
          "::ffff:192.0.2.1",
          "10.0.0",
        ],
      }),
    ),
    [0, 1, 2, 3, 4, 5, 6, 7].map(
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

test("what publishes ports on a slave waits until that slave's guard has closed them; the guard's container and readiness as declared", async () => {
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
  // Its readiness: the guard's own check, run in its container through the slave's Engine.
  const ready = byName(declared, "platform-port-guards-slave-1-ready");
  assert.equal(ready.type, "command:local:Command");
  assert.deepEqual(dependenciesOf(ready.name).sort(), [
    "platform-port-guards-slave-1",
    "platform-port-guards-slave-1-retire",
  ]);
  const env = plainInput(ready.inputs.environment) as Record<string, string>;
  assert.equal(env.GATE_WHAT, "the port guard on slave-1");
  assert.equal(env.GATE_FAILURE, "its chain not in place");
  assert.match(env.GATE_SCRIPT, /out=\$\(platform-port-guard check 2>&1\) && exit 0/);
  assert.deepEqual(JSON.parse(env.GATE_BALANCERS), [
    {
      id: "slave-1",
      engine: { host: "ssh://root@slave-1.site.lhcb.test" },
      container: "site-port-guard-slave-1",
    },
  ]);
  // Its retirement: nothing at create; deleted after the instances (which wait on `ready`, which
  // waits on it) and before the guard, it runs `platform-port-guard retire` in the guard's
  // container through the slave's Engine. No trigger: nothing but a deletion runs it.
  const retire = byName(declared, "platform-port-guards-slave-1-retire");
  assert.equal(retire.type, "command:local:Command");
  assert.deepEqual(dependenciesOf(retire.name), ["platform-port-guards-slave-1"]);
  assert.deepEqual(Object.keys(retire.inputs).sort(), ["delete", "environment"]);
  assert.equal(retire.inputs.delete, GATE_COMMAND);
  assert.deepEqual(plainInput(retire.inputs.environment), {
    GATE_PROGRAM,
    GATE_SCRIPT: "exec platform-port-guard retire",
    GATE_WHAT: "the port guard on slave-1",
    GATE_FAILURE: "its chain not removed",
    GATE_BACKEND: "-",
    GATE_SERVER: "-",
    GATE_BALANCERS: env.GATE_BALANCERS,
    GATE_TIMEOUT_SECONDS: "60",
    GATE_HINT: retireHint("slave-1"),
  });
  assert.deepEqual(Object.keys(platform.portGuards.retire).sort(), [
    "slave-1",
    "slave-2",
    "slave-3",
  ]);
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
      dependenciesOf(i.name).includes(`platform-port-guards-${host}-ready`),
      `${i.name} waits until the guard of ${host} has closed its ports`,
    );
  }
});

test("the readiness script passes once the guard's check does, and past its time says what the check said last", () => {
  const dir = tempDir("guard-ready-");
  const calls = join(dir, "calls");
  writeFileSync(
    join(dir, "platform-port-guard"),
    `#!/bin/sh\necho x >> ${calls}\n[ "$(wc -l < ${calls})" -ge "$PASS_AT" ] && exit 0\necho "IPv4: 0 of the 4 ports refused in LHCB-PORTS-fbae041b" >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  const run = (passAt: number, seconds: number) => {
    rmSync(calls, { force: true });
    const r = spawnSync("sh", ["-c", GUARD_READY_SCRIPT, "gate", "-", "-", String(seconds)], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, PASS_AT: String(passAt) },
    });
    return {
      status: r.status,
      out: r.stdout.trim(),
      calls: readFileSync(calls, "utf8").split("\n").length - 1,
    };
  };
  assert.deepEqual(run(3, 10), { status: 0, out: "", calls: 3 });
  const late = run(1000, 2);
  assert.equal(late.status, 1);
  assert.equal(late.out, "IPv4: 0 of the 4 ports refused in LHCB-PORTS-fbae041b");
  // Asked again and again until its time was up (whole seconds of `date +%s`: 2 s is 1 to 2 s).
  assert.ok(late.calls >= 2, `${late.calls} checks`);
});

test("a retire step whose host does not answer fails past its time, naming the host, what ssh said and what to do for a host gone for good", () => {
  const dir = tempDir("guard-retire-");
  // The host's sshd unreachable, as a dead host's is.
  writeFileSync(
    join(dir, "ssh"),
    "#!/bin/sh\necho 'ssh: connect to host slave-1.site.lhcb.test port 22: No route to host' >&2\nexit 255\n",
    { mode: 0o755 },
  );
  const spec = specWith("site");
  const host = spec.slaves.find((h) => h.id === "slave-1")!;
  const env = guardRetireEnvironment(spec, host, { host: "ssh://root@slave-1.site.lhcb.test" });
  const r = spawnSync("sh", ["-c", GATE_COMMAND], {
    encoding: "utf8",
    env: { ...process.env, ...env, GATE_TIMEOUT_SECONDS: "1", PATH: `${dir}:${process.env.PATH}` },
  });
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr.trim(),
    "the port guard on slave-1: its chain not removed after 1s (slave-1: ssh: connect to host slave-1.site.lhcb.test port 22: No route to host); " +
      'if slave-1 is down for good, list it in lostHosts and run pulumi up first: what is on it is then forgotten, not deleted, and it can leave hosts (docs/site.md, "A host gone for good")',
  );
});
