// Each class of bad input stops at validation, before anything is declared, with one line per
// problem naming the file, the path and what was expected: a table per class, each row one value
// of the class, through the checks a deployment runs (loadCheckedPlatform).
import assert from "node:assert/strict";
import { test } from "node:test";
import { attemptProd, hostsWith, PROD_CATALOG, prodHosts } from "../support/prod-input";

const S = "Pulumi.prod.yaml: config.lhcb-platform:";
const C = "catalog.yaml: ";

interface Row {
  /** What the row tries. */
  value: string;
  config?: Record<string, unknown>;
  catalog?: string;
  expected: string[];
}

function table(rows: Row[]): void {
  assert.equal(attemptProd(), "ok", "the fixture itself is valid");
  for (const row of rows)
    assert.deepEqual(attemptProd(row.config, row.catalog), row.expected, row.value);
}

/** The catalog with `extra` YAML lines added to the first service (Framework/Monitoring). */
const firstService = (extra: string) =>
  PROD_CATALOG.replace("port: 9142", `port: 9142\n    ${extra}`);
/** The catalog with the marathon-mode service (WorkloadManagement/JobManager) changed. */
const marathonService = (extra: string) =>
  PROD_CATALOG.replace("instances: 2\n    port: 9130", `${extra}\n    port: 9130`);

const MESOS_TEXT =
  "a label value Mesos reads as text: letters, digits, '_', '.', '/', '-' (not empty)";

test("host labels that cannot be Mesos attribute values", () => {
  table(
    ["a b", "a:b", "a;b", "a,b", "", "é", "[1-2]"].map((v) => ({
      value: JSON.stringify(v),
      config: { hosts: hostsWith(3, { labels: { zone: v } }) },
      expected: [`${S}hosts[3].labels.zone: ${MESOS_TEXT}`],
    })),
  );
  // A catalog constraint no label can have is refused as such, not as an entry no host matches.
  table([
    {
      value: "constraint value with a space",
      catalog: firstService("constraints: { zone: z 1 }"),
      expected: [`${C}services[0].constraints.zone: ${MESOS_TEXT}`],
    },
  ]);
});

test("slaves too small for the Mesos agent's reserve", () => {
  table([
    {
      value: "1 CPU, 1024 MiB",
      config: { hosts: hostsWith(3, { cpus: 1, memoryMb: 1024 }) },
      expected: [
        `${S}hosts[3].cpus: more than the 1 CPU a Mesos agent keeps for the host's own daemons; slave s1 has 1`,
        `${S}hosts[3].memoryMb: more than the 1024 MiB a Mesos agent keeps for the host's own daemons; slave s1 has 1024`,
      ],
    },
    {
      value: "0.5 CPU",
      config: { hosts: hostsWith(4, { cpus: 0.5 }) },
      expected: [
        `${S}hosts[4].cpus: more than the 1 CPU a Mesos agent keeps for the host's own daemons; slave s2 has 0.5`,
      ],
    },
  ]);
  // Without Mesos, no agent keeps anything: the same slave is valid.
  assert.equal(
    attemptProd(
      { hosts: hostsWith(3, { cpus: 1, memoryMb: 1024 }), mode: "pulumi", features: {} },
      PROD_CATALOG.replace(/\n {4}mode: marathon/g, "").replace(
        "check: { command: [dirac-ping, WorkloadManagement/JobManager] }",
        "cpus: 0.25",
      ),
    ),
    "ok",
  );
});

test("cron schedules that never fire", () => {
  table(
    [
      ["0 0 30 2 *", 'never fires: no month of "2" has day 30'],
      ["0 0 31 4,6 *", 'never fires: no month of "4,6" has day 31'],
      [
        "0 0 29 2 *",
        "fires only on 29 February, once in four years: expected a schedule that fires every year",
      ],
    ].map(([schedule, why]) => ({
      value: schedule,
      catalog: PROD_CATALOG.replace('"0 * * * *"', `"${schedule}"`),
      expected: [`${C}agents[1].schedule: invalid cron expression "${schedule}": ${why}`],
    })),
  );
});

test("a YAML alias bomb", () => {
  const bomb = [
    "a: &a [x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  ].join("\n");
  table([
    {
      value: "9^4 nodes from 4 lines",
      catalog: bomb,
      expected: [
        `${C}(top level): YAML whose aliases (*name) expand to a bounded document; Excessive alias count indicates a resource exhaustion attack`,
      ],
    },
  ]);
  // A few aliases, as an operator writes them, are fine.
  const shared = `defaults: { cpus: 0.25, memoryMb: 256 }
services:
  - { name: A/One, port: 9001, constraints: &ssd { disk: ssd }, instances: 1 }
  - { name: A/Two, port: 9002, constraints: *ssd, instances: 1 }
`;
  assert.equal(attemptProd({}, shared), "ok");
});

test("two parts on one port: a host's, a load balancer's, a bridge's, Mesos' task ports", () => {
  table([
    {
      value: "a service on Consul's HTTP port",
      catalog: PROD_CATALOG.replace("port: 9142", "port: 8501"),
      expected: [
        `${S}hosts[3]: parts that listen on distinct ports of the host; s1 would have 8501/tcp (consul-agent, service Framework/Monitoring)`,
        `${S}hosts[4]: parts that listen on distinct ports of the host; s2 would have 8501/tcp (consul-agent, service Framework/Monitoring)`,
        `${S}hosts[6]: parts that listen on distinct ports of the host; lb1 would have 8501/tcp (consul-agent, lb)`,
        `${S}hosts[7]: parts that listen on distinct ports of the host; lb2 would have 8501/tcp (consul-agent, lb)`,
      ],
    },
    {
      value: "the stats page on a service's frontend",
      config: { loadBalancer: { statsPort: 9142 } },
      expected: [
        `${S}loadBalancer.statsPort: a port no service's frontend uses (every load balancer listens on both); 9142 is services[0] (Framework/Monitoring) of catalog.yaml`,
      ],
    },
    {
      value: "a service on another's bridge port",
      catalog: PROD_CATALOG.replace("port: 9142", "port: 19130"),
      expected: [
        `${C}services[1].port: a port whose bridge port (+10000: 19130) no service uses; 19130 is services[0] (Framework/Monitoring)`,
      ],
    },
    {
      value: "a bridge port beyond 65535",
      catalog: PROD_CATALOG.replace("port: 9130", "port: 60000"),
      expected: [
        `${C}services[1].port: a port of at most 55535 for a command-checked service (its HTTP bridge listens on the port + 10000); got 60000`,
      ],
    },
    {
      value: "a service port among Mesos' task ports",
      catalog: PROD_CATALOG.replace("port: 9142", "port: 31500"),
      expected: [
        `${C}services[0].port: a port (and bridge port) outside 31000-32000, the host ports Mesos agents give Marathon's tasks; got 31500`,
      ],
    },
    {
      value: "a host that is both slave and load balancer, holding an instance",
      config: { hosts: hostsWith(3, { roles: ["slave", "lb"] }) },
      expected: [
        `${S}hosts[3]: parts that listen on distinct ports of the host; s1 would have 9142/tcp (service Framework/Monitoring, lb)`,
      ],
    },
  ]);
});

test("two hosts at one address", () => {
  table([
    {
      value: "the same name in another case",
      config: { hosts: hostsWith(4, { address: "S1.example.org" }) },
      expected: [
        `${S}hosts[4].address: an address no other host has; S1.example.org is already hosts[3] (s1)`,
      ],
    },
  ]);
});

test("ZooKeeper ids out of range, on a host without a member, or held by two masters", () => {
  const pinned = (...ids: (number | undefined)[]) =>
    prodHosts().map((h, i) =>
      i < ids.length && ids[i] !== undefined ? { ...h, zookeeperId: ids[i] } : h,
    );
  const RANGE = "expected a whole number from 1 to 255";
  table([
    ...[0, 256, 1.5, -1].map((v) => ({
      value: `zookeeperId ${v}`,
      config: { hosts: hostsWith(0, { zookeeperId: v }) },
      expected: [`${S}hosts[0].zookeeperId: ${RANGE}`],
    })),
    {
      value: "zookeeperId on a slave",
      config: { hosts: hostsWith(3, { zookeeperId: 4 }) },
      expected: [
        `${S}hosts[3].zookeeperId: unset: only a host with role master runs a ZooKeeper member; s1 has roles slave`,
      ],
    },
    {
      value: "two masters pinned to one id",
      config: { hosts: pinned(1, 1) },
      expected: [
        `${S}hosts[1].zookeeperId: a ZooKeeper id no other master has; m2 would have 1, as hosts[0] (m1) has`,
      ],
    },
    {
      value: "a pinned id that is another master's place",
      config: { hosts: pinned(undefined, undefined, 2) },
      expected: [
        `${S}hosts[2].zookeeperId: a ZooKeeper id no other master has; m3 would have 2, as hosts[1] (m2) has (its place among the masters)`,
      ],
    },
    {
      value: "a place that is a pinned id of a master before it",
      config: { hosts: pinned(2) },
      expected: [
        `${S}hosts[1].zookeeperId: a ZooKeeper id no other master has; m2 would have 2 (its place among the masters), as hosts[0] (m1) has`,
      ],
    },
  ]);
  // Beyond the local stack's 19 fixed addresses is fine where members are at their hosts' addresses.
  assert.equal(attemptProd({ hosts: pinned(200, 255) }), "ok");
});

test("marathon-mode entries Mesos could never place", () => {
  table([
    {
      value: "more instances than slaves",
      catalog: marathonService("instances: 4"),
      expected: [
        `${C}services[1]: a placement Mesos can make: at most as many instances as slaves that can hold one (Marathon runs one per agent); 4 asked, 3 can`,
      ],
    },
    {
      value: "more CPU than any agent offers",
      catalog: marathonService("instances: 2\n    cpus: 1.5"),
      expected: [
        `${C}services[1]: a placement Mesos can make: at most what one Mesos agent offers (the slave minus 1 CPU and 1024 MiB); it asks 1.5 CPUs and 256 MiB, the largest matching slave offers 1 CPUs`,
      ],
    },
    {
      value: "labels no host has",
      catalog: marathonService("instances: 2\n    constraints: { disk: nvme }"),
      expected: [
        `${C}services[1]: a placement Mesos can make: constraints some working slave meets; none has disk=nvme`,
      ],
    },
    {
      value: "a Chronos job on labels no host has",
      catalog: PROD_CATALOG.replace(
        'schedule: "0 * * * *"',
        'schedule: "0 * * * *"\n    constraints: { disk: nvme }',
      ),
      expected: [
        `${C}agents[1]: a placement Mesos can make: constraints some working slave meets; none has disk=nvme`,
      ],
    },
    {
      value: "a loop agent for Chronos, which starts a container per run",
      catalog: PROD_CATALOG.replace(
        'mode: marathon\n    schedule: "0 * * * *"',
        "mode: marathon\n    run: loop",
      ),
      expected: [
        `${C}agents[1].run: expected cycle: in marathon mode Chronos starts a container per run, and a loop agent's run never ends (WorkloadManagement/StalledJobAgent)`,
      ],
    },
    {
      value: "as many instances as slaves, one of them failed",
      config: { failedHosts: ["s3"] },
      catalog: marathonService("instances: 3"),
      expected: [
        `${C}services[1]: a placement Mesos can make: at most as many instances as slaves that can hold one (Marathon runs one per agent); 3 asked, 2 can`,
      ],
    },
  ]);
});

test("container names longer than a hostname", () => {
  table([
    {
      value: "a long host id",
      config: { hosts: hostsWith(3, { id: `s1-${"x".repeat(40)}` }) },
      expected: [
        `${S}hosts[3].id: a shorter host id: the container prod-metrics-shipper-s1-${"x".repeat(40)} would have a name of 64 characters, and a container's name is its hostname, at most 63 (stack name, part or entry, and host id together)`,
      ],
    },
    {
      value: "a long entry name",
      catalog: PROD_CATALOG.replace("Framework/Monitoring", `Framework/${"Monitoring".repeat(5)}`),
      expected: [
        `${C}services[0].name: a shorter name: the container prod-framework-${"monitoring".repeat(5)}-s1 would have a name of 68 characters, and a container's name is its hostname, at most 63 (stack name, part or entry, and host id together)`,
      ],
    },
  ]);
});

test("image references and the registry prefix", () => {
  const IMAGE =
    "a Docker image reference: [registry[:port]/]path[:tag][@digest], the path in lower case (letters, digits, '.', '_', '-' between them)";
  table([
    ...["lhcb/svc x:1", "LHCB/svc:1", "lhcb/Service:1", "lhcb/svc;rm:1", "lhcb/svc:", "-x/y"].map(
      (image) => ({
        value: image,
        catalog: firstService(`image: "${image}"`),
        expected: [`${C}services[0].image: ${IMAGE}`],
      }),
    ),
    {
      value: "an override of a part's image",
      config: { images: { consul: "Consul 1.16" } },
      expected: [`${S}images.consul: ${IMAGE}`],
    },
    {
      value: "a registry in upper case",
      config: { registry: "registry.cern.ch/LHCb" },
      expected: [
        `${S}registry: a registry prefix: registry[:port][/path], the path in lower case (letters, digits, '.', '_', '-')`,
      ],
    },
  ]);
  for (const image of [
    "registry.cern.ch:5000/lhcb/service:1.0",
    "localhost:5000/svc",
    "lhcb/svc@sha256:" + "a".repeat(64),
    "gcr.io/cadvisor/cadvisor:v0.47.2",
  ])
    assert.equal(attemptProd({}, firstService(`image: "${image}"`)), "ok", image);
  assert.equal(attemptProd({ registry: "registry.site.lhcb.test:5000" }), "ok");
});

test("addresses that are not DNS names or IPv4 addresses", () => {
  const ADDRESS =
    "a DNS name (letters, digits, inner '-', labels of at most 63 characters separated by '.') or an IPv4 address (a host on IPv6 is named by DNS)";
  table(
    [
      // IPv6: written as it is into URLs and host:port pairs, where it needs brackets.
      "fd00::1",
      "bad_host!",
      "m1.example.org\nserver.9=evil:2888:3888",
      '{{ key "x" }}',
      "-x.org",
      "m1.example.org.",
      "x".repeat(64) + ".org",
      "",
    ].map((address) => ({
      value: JSON.stringify(address),
      config: { hosts: hostsWith(0, { address }) },
      expected: [`${S}hosts[0].address: ${ADDRESS}`],
    })),
  );
  for (const address of ["10.0.0.1", "lbmaster01.cern.ch", "m1"])
    assert.equal(attemptProd({ hosts: hostsWith(0, { address }) }), "ok", address);
  // The stats page's address goes into haproxy.cfg's `bind`: an IPv4 address or `*`.
  table(
    ["0.0.0.0:1\n    stats admin if TRUE", "lb1.example.org", "::1", "10.0.0.256"].map(
      (statsAddress) => ({
        value: JSON.stringify(statsAddress),
        config: { loadBalancer: { statsAddress } },
        expected: [`${S}loadBalancer.statsAddress: expected an IPv4 address or *`],
      }),
    ),
  );
  for (const statsAddress of ["*", "127.0.0.1", "0.0.0.0"])
    assert.equal(attemptProd({ loadBalancer: { statsAddress } }), "ok", statsAddress);
  // One host's address, where every balancer binds it: HAProxy on the others would not start.
  assert.deepEqual(attemptProd({ loadBalancer: { statsAddress: "10.1.2.3" } }), [
    `${S}loadBalancer.statsAddress: *, 127.0.0.1 or 0.0.0.0 where there are ${prodHosts().filter((h) => h.roles.includes("lb")).length} load balancers: each binds it, and 10.1.2.3 is one host's address at most`,
  ]);
});

test("Docker hosts: shell metacharacters, tcp:// without TLS", () => {
  const URL =
    "a Docker host URL: ssh://[user@]host[:port], tcp://host:port (with certPath) or unix:///absolute/path";
  const NO_TLS =
    "a certPath (ca.pem, cert.pem, key.pem) for a tcp:// Docker host: without TLS anyone on the network drives the Engine";
  const docker = (host: string, certPath?: string) => ({
    hosts: hostsWith(0, { docker: certPath ? { host, certPath } : { host } }),
  });
  table([
    {
      value: "a ';'",
      config: docker("ssh://root@m1;rm -rf /"),
      expected: [`${S}hosts[0].docker.host: ${URL}`],
    },
    {
      value: "a command substitution",
      config: docker("ssh://root@$(id)"),
      expected: [`${S}hosts[0].docker.host: ${URL}; the host is not a DNS name or IP address`],
    },
    {
      value: "a port out of range",
      config: docker("ssh://root@m1.example.org:70000"),
      expected: [`${S}hosts[0].docker.host: ${URL}; the port is not 1-65535`],
    },
    {
      value: "tcp:// without TLS",
      config: docker("tcp://m1.example.org:2375"),
      expected: [`${S}hosts[0].docker.certPath: ${NO_TLS}`],
    },
    {
      value: "tcp:// without a port",
      config: docker("tcp://m1.example.org", "/etc/docker/certs"),
      expected: [`${S}hosts[0].docker.host: ${URL}; tcp:// needs the port`],
    },
  ]);
  for (const [host, certPath] of [
    ["ssh://root@m1.example.org", undefined],
    ["ssh://deploy@[fd00::1]:2222", undefined],
    ["tcp://m1.example.org:2376", "/etc/docker/certs"],
    ["unix:///var/run/docker.sock", undefined],
  ])
    assert.equal(attemptProd(docker(host!, certPath)), "ok", host);
});

test("a host's SSH key for its prepare commands that is not one", () => {
  const KEY =
    "the host's SSH public key, a line of its /etc/ssh/ssh_host_*_key.pub ('ssh-ed25519 AAAA...')";
  const prepare = (hostKey: string) => ({
    hosts: hostsWith(0, { prepare: { commands: ["true"], hostKey } }),
  });
  table(
    [
      "AAAAC3NzaC1lZDI1NTE5AAAAIJ",
      "ssh-dss AAAAB3NzaC1kc3M=",
      "ssh-ed25519 AAAA\nssh-ed25519 BBBB",
      "ssh-ed25519 AAAA$(id)",
      "",
    ].map((v) => ({
      value: JSON.stringify(v),
      config: prepare(v),
      expected: [`${S}hosts[0].prepare.hostKey: expected ${KEY}`],
    })),
  );
  for (const key of [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ5xR4m2bq0Kq1k8lD3Y6pW4T0oZ2yq8hB9uF1cV7nXq root@m1",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=",
  ])
    assert.equal(attemptProd(prepare(key)), "ok", key);
});

test("numbers that would overflow what they are rendered into", () => {
  table([
    {
      value: "a host of 1e308 CPUs",
      config: { hosts: hostsWith(3, { cpus: 1e308 }) },
      expected: [`${S}hosts[3].cpus: expected at most 4096 CPUs`],
    },
    {
      value: "an entry of 1e308 CPUs",
      catalog: firstService("cpus: 1e308"),
      expected: [`${C}services[0].cpus: expected at most 4096 CPUs`],
    },
    {
      value: "a maxconn of 1e300",
      config: { loadBalancer: { maxconn: 1e300 } },
      expected: [`${S}loadBalancer.maxconn: Too big: expected number to be <=1000000`],
    },
    {
      value: "a memory of 1e300 MiB",
      config: { hosts: hostsWith(3, { memoryMb: 1e300 }) },
      expected: [`${S}hosts[3].memoryMb: expected at most 67108864 MiB`],
    },
  ]);
});

test("check paths and environment values that would add lines or change a file", () => {
  const PATH =
    "an HTTP path: '/' then letters, digits, '.', '_', '~', '%', '-', '/' and an optional ?query of those and '=', '&'";
  table([
    {
      value: "a newline and a server line in the HAProxy check",
      catalog: firstService('check: { http: "/ping\\n    server evil 1.2.3.4:80" }'),
      expected: [`${C}services[0].check.http: ${PATH}`],
    },
    {
      value: "a '#' that would comment out the rest of the line",
      catalog: firstService('check: { http: "/ping#x" }'),
      expected: [`${C}services[0].check.http: ${PATH}`],
    },
    {
      value: "a template in the bridge path",
      catalog: PROD_CATALOG.replace(
        "check: { command: [dirac-ping, WorkloadManagement/JobManager] }",
        'check: { command: [dirac-ping], bridgePath: "/{{ env \\"X\\" }}" }',
      ),
      expected: [`${C}services[1].check.bridgePath: ${PATH}`],
    },
    {
      value: "an environment name the platform sets",
      catalog: firstService('env: { SERVICE_PORT: "1" }'),
      expected: [
        `${C}services[0].env.SERVICE_PORT: a name the platform does not set itself (SERVICE_* and PLATFORM_* are its own)`,
      ],
    },
    {
      value: "a NUL in an environment value",
      catalog: firstService('env: { DIRAC_X: "a\\0b" }'),
      expected: [`${C}services[0].env.DIRAC_X: no NUL character`],
    },
  ]);
  assert.equal(attemptProd({}, firstService('check: { http: "/ping?deep=1&x=%20" }')), "ok");
});

test("Consul's CAs: an issuer the agents do not trust, a CA twice, none, a slot there is not", () => {
  const tlsCa = (v: unknown) => ({ consul: { tlsCa: v } });
  table([
    {
      value: "issuer b, trusting a alone",
      config: tlsCa({ issuer: "b", trusted: ["a"] }),
      expected: [
        `${S}consul.tlsCa.issuer: expected a CA that trusted lists: the agents refuse certificates of a CA they do not trust`,
      ],
    },
    {
      value: "a twice",
      config: tlsCa({ trusted: ["a", "a"] }),
      expected: [`${S}consul.tlsCa.trusted: expected each CA once`],
    },
    {
      value: "none trusted",
      config: tlsCa({ trusted: [] }),
      expected: [`${S}consul.tlsCa.trusted: expected at least one CA`],
    },
    {
      value: "a slot c",
      config: tlsCa({ issuer: "c" }),
      expected: [`${S}consul.tlsCa.issuer: Invalid option: expected one of "a"|"b"`],
    },
  ]);
  // The three steps of a rotation, and back.
  for (const v of [
    { trusted: ["a", "b"] },
    { issuer: "b", trusted: ["a", "b"] },
    { issuer: "b", trusted: ["b"] },
    { issuer: "b", trusted: ["b", "a"] },
  ])
    assert.equal(attemptProd(tlsCa(v)), "ok", JSON.stringify(v));
});

test("every problem of both files at once", () => {
  const hosts = prodHosts();
  hosts[0].address = "bad address";
  hosts[3].labels = { zone: "a b" };
  assert.deepEqual(attemptProd({ hosts, registry: "UPPER" }, firstService("cpus: 1e308")), [
    `${S}registry: a registry prefix: registry[:port][/path], the path in lower case (letters, digits, '.', '_', '-')`,
    `${S}hosts[0].address: a DNS name (letters, digits, inner '-', labels of at most 63 characters separated by '.') or an IPv4 address (a host on IPv6 is named by DNS)`,
    `${S}hosts[3].labels.zone: ${MESOS_TEXT}`,
    `${C}services[0].cpus: expected at most 4096 CPUs`,
  ]);
});
