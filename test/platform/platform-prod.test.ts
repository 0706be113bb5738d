// The prod stack under mocks declares every part of the platform, with exact counts and names.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  deleteBeforeReplaceOf,
  dependenciesOf,
  installMocks,
  ofType,
  settle,
  valueOf,
} from "../support/mocks";

const declared = installMocks("prod");
import { Platform } from "../../components/platform";
import { declareProdPlatform } from "../support/prod-platform";
import { bridgePort } from "../../components/services/service-containers";

const { spec, platform } = declareProdPlatform();

const containerNames = () =>
  ofType(declared, "docker:index/container:Container").map((r) => r.inputs.name as string);
const withPrefix = (p: string) => containerNames().filter((n) => n.startsWith(p));

test("every part is declared, with exact counts", async () => {
  // The per-instance and per-host parts are declared a few per turn of the event loop, but a
  // record read before the last batch declares the rest at once: it is complete whenever read.
  assert.equal(Object.keys(platform.services.containers).length, 38);
  await platform.declared;
  assert.equal(Object.keys(platform.services.registrations).length, 38);
  assert.equal(Object.keys(platform.agents.containers).length, 18);
  assert.deepEqual(
    Object.keys(platform.portGuards.guards).sort(),
    spec.slaves.map((h) => h.id).sort(),
  );
  assert.deepEqual(
    Object.keys(platform.mesos!.cluster.agents).sort(),
    spec.slaves.map((h) => h.id).sort(),
  );
  assert.deepEqual(
    Object.keys(platform.logging!.filebeats).sort(),
    spec.slaves.map((h) => h.id).sort(),
  );
  assert.deepEqual(
    Object.keys(platform.metrics!.cadvisors).sort(),
    spec.slaves.map((h) => h.id).sort(),
  );
  // A Consul agent on every host but the masters, which run the servers.
  for (const h of spec.hosts)
    assert.equal(platform.consul.agentOn(h.id) === undefined, h.roles.includes("master"), h.id);
  await settle(declared);
  // 5 masters, 8 slaves, 3 load balancers, 1 monitoring and 1 logging host.
  assert.equal(spec.masters.length, 5);
  assert.equal(spec.slaves.length, 8);
  const parts: [string, number][] = [
    ["prod-zookeeper-", 5],
    ["prod-consul-server-", 5],
    ["prod-consul-agent-", 13],
    ["prod-consul-esm-", 2],
    ["prod-mesos-master-", 5],
    ["prod-mesos-agent-", 8],
    ["prod-mesos-whitelist-", 5],
    ["prod-marathon-", 5],
    ["prod-chronos-", 5],
    ["prod-lb-", 3],
    ["prod-logstash-", 1],
    // Filebeat and its Docker API proxy.
    ["prod-filebeat-", 16],
    ["prod-influxdb-", 1],
    ["prod-grafana-", 1],
    // cAdvisor and its Docker API proxy.
    ["prod-cadvisor-", 16],
    // Marathon's tasks into Consul, on each slave.
    ["prod-task-registrar-", 8],
    // The guard of the instances' and Mesos tasks' ports, on each slave.
    ["prod-port-guard-", 8],
  ];
  for (const [prefix, n] of parts) assert.equal(withPrefix(prefix).length, n, prefix);
  // Catalog: 15 pulumi-mode services with 38 instances, 9 pulumi-mode agents on 2 hosts each.
  const services = ofType(declared, "docker:index/container:Container").filter((r) =>
    (r.inputs.labels as { label: string; value: string }[]).some(
      (l) => l.label === "platform.component" && l.value === "service",
    ),
  );
  const agents = ofType(declared, "docker:index/container:Container").filter((r) =>
    (r.inputs.labels as { label: string; value: string }[]).some(
      (l) => l.label === "platform.component" && l.value === "agent",
    ),
  );
  assert.equal(services.length, 38);
  assert.equal(agents.length, 18);
  const counts = countByType(declared);
  assert.equal(counts["docker:index/container:Container"], 139 + 16 + 8 + 8);
  assert.equal(counts["pulumi:providers:docker"], 18);
  assert.equal(counts["docker:index/network:Network"], 18);
  assert.equal(counts["pulumi:providers:consul"], 1);
  assert.equal(counts["consul:index/service:Service"], 38);
  // One external node per slave holding service instances: prod-slave-6 holds only agents.
  assert.equal(counts["consul:index/node:Node"], 7);
  assert.equal(
    spec.services.some((s) => s.hosts.includes("prod-slave-6")),
    false,
  );
  // Consul's ACLs: a policy per client role, the task registrars' and the slave hosts'; a token
  // per role, the registrars', and one per Consul agent (every host but the 5 masters, which run
  // servers).
  assert.equal(counts["consul:index/aclPolicy:AclPolicy"], 5);
  assert.equal(counts["consul:index/aclToken:AclToken"], 4 + (spec.hosts.length - 5));
  // One Marathon app (Framework/Monitoring) and one Chronos job (PilotStatusAgent) in marathon mode,
  // the wait for a Consul leader, the Consul management token, the step that keeps ZooKeeper's
  // ids, the readiness of each ZooKeeper member and Consul server (one per master), the creation of cAdvisor's database, per
  // instance its probe and drain and the wait until every balancer serves it, Consul's CA and a certificate per host (server or agent), a
  // password per InfluxDB user, a password per ZooKeeper user and the step that sets its ACLs,
  // a secret per Mesos principal, the step that puts the gossip key in use, per balancer the
  // wait until it listens, the logging CA with a certificate for Logstash and each slave's
  // Filebeat, the metrics CA with InfluxDB's and Grafana's certificates, and per slave the wait
  // until its port guard has closed its ports and the step that retires the guard when the stack
  // is destroyed, and per host (each runs a Consul server or agent) the step that forgets its
  // Consul node once it goes, if lost.
  const commands = ofType(declared, "command:local:Command").map((r) => r.name);
  assert.equal(spec.masters.length, 5);
  assert.equal(
    commands.length,
    2 +
      1 +
      1 +
      1 +
      5 +
      5 +
      1 +
      38 +
      38 +
      1 +
      spec.hosts.length +
      3 +
      5 +
      1 +
      4 +
      1 +
      3 +
      1 +
      1 +
      8 +
      3 +
      8 +
      8 +
      spec.hosts.length,
  );
  assert.deepEqual(
    commands.filter((n) => n.startsWith("platform-port-guards-")).sort(),
    spec.slaves
      .flatMap((h) => [`platform-port-guards-${h.id}-ready`, `platform-port-guards-${h.id}-retire`])
      .sort(),
  );
  assert.deepEqual(
    commands.filter((n) => n.endsWith("-served")).sort(),
    Object.keys(platform.services.containers)
      .map((at) => `platform-services-${at.replace("/", "-")}-served`)
      .sort(),
  );
  assert.deepEqual(
    commands.filter((n) => n.startsWith("platform-logging-tls-")).sort(),
    [
      "platform-logging-tls-ca",
      "platform-logging-tls-cert-logstash-prod-ops-2",
      ...spec.slaves.map((h) => `platform-logging-tls-cert-filebeat-${h.id}`),
    ].sort(),
  );
  assert.deepEqual(
    commands
      .filter(
        (n) =>
          !n.endsWith("-ready") &&
          !n.endsWith("-retire") &&
          !n.endsWith("-served") &&
          !n.startsWith("platform-consul-tls-") &&
          !n.startsWith("platform-logging-tls-"),
      )
      .sort(),
    [
      "platform-metrics-influxdb-password-admin",
      "platform-metrics-influxdb-password-reader",
      "platform-metrics-influxdb-password-writer",
      "platform-chronos-jobs-workloadmanagement-pilotstatusagent",
      "platform-consul-keyring",
      "platform-consul-leader",
      ...spec.hosts.map((h) => `platform-consul-forget-${h.id}`),
      "platform-consul-management-token",
      "platform-marathon-apps-framework-monitoring",
      "platform-metrics-influxdb-database",
      "platform-metrics-tls-ca",
      "platform-metrics-tls-cert-grafana",
      "platform-metrics-tls-cert-influxdb",
      "platform-zookeeper-acl",
      "platform-zookeeper-ids",
      ...["platform-admin", "mesos-master", "mesos-agent", "marathon", "chronos"].map(
        (user) => `platform-zookeeper-password-${user}`,
      ),
      ...["platform-admin", "mesos-agent", "marathon", "chronos"].map(
        (principal) => `platform-mesos-secret-${principal}`,
      ),
    ].sort(),
  );
  // ZooKeeper's clients start once its ACLs are set: the Mesos masters, and after them the rest.
  for (const master of spec.masters)
    assert.ok(
      dependenciesOf(`platform-mesos-master-${master.id}`).includes("platform-zookeeper-acl"),
      master.id,
    );
  // At a site, a quorum member is reached at its host's address, as its peers are.
  const zk1 = byName(declared, `platform-zookeeper-${spec.masters[0].id}-ready`).inputs
    .environment as Record<string, string>;
  assert.equal(zk1.PROBE_SELF, spec.masters[0].address);
  assert.equal(
    zk1.PROBE_OTHERS,
    spec.masters
      .slice(1)
      .map((h) => h.address)
      .join(","),
  );
  assert.equal(zk1.PROBE_RESOLVE, undefined);
  // At a site, each instance is probed at its host's address, on its published port, before it is registered.
  for (const at of Object.keys(platform.services.instances)) {
    const [serviceKey, hostId] = at.split("/");
    const service = spec.services.find((x) => x.key === serviceKey)!;
    const host = spec.hosts.find((h) => h.id === hostId)!;
    const env = byName(declared, `platform-services-${serviceKey}-${hostId}-ready`).inputs
      .environment as Record<string, string>;
    const target = env.PROBE_HTTP ?? env.PROBE_TCP;
    assert.ok(
      target.startsWith(env.PROBE_HTTP ? `http://${host.address}:` : `${host.address}:`),
      `${at}: ${target}`,
    );
    assert.ok(
      target.includes(`:${service.check.command ? bridgePort(service) : service.port}`),
      `${at}: ${target}`,
    );
  }
  for (const type of [
    "lhcb-platform:index:Platform",
    "lhcb-platform:hosts:HostInventory",
    "lhcb-platform:zookeeper:ZooKeeperEnsemble",
    "lhcb-platform:consul:ConsulCluster",
    "lhcb-platform:services:ServiceInstances",
    "lhcb-platform:agents:ScheduledAgents",
    "lhcb-platform:haproxy:LoadBalancers",
    "lhcb-platform:mesos:MesosCluster",
    "lhcb-platform:whitelist:HostWhitelist",
    "lhcb-platform:marathon:Marathon",
    "lhcb-platform:marathon:MarathonApps",
    "lhcb-platform:chronos:Chronos",
    "lhcb-platform:chronos:ChronosJobs",
    "lhcb-platform:logging:LoggingStack",
    "lhcb-platform:metrics:MetricsStack",
  ]) {
    assert.equal(counts[type], 1, type);
  }
});

test("each container sits on its host's provider with the host network", async () => {
  await settle(declared);
  const zk = byName(declared, "platform-zookeeper-prod-master-3");
  assert.match(zk.provider ?? "", /::platform-hosts-prod-master-3::/);
  assert.equal(zk.inputs.networkMode, "host");
  assert.equal(zk.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/zookeeper:3.8.4");
  const provider = byName(declared, "platform-hosts-prod-slave-4");
  assert.equal(provider.inputs.host, "ssh://root@lbvobox04.cern.ch");
});

test("at a site a service's instances are replaced in their place, one after another, under fixed names", async () => {
  await settle(declared);
  const [first, second] = spec.services.find((s) => s.name === "DataManagement/FileCatalog")!.hosts;
  const instance = (host: string) => `platform-services-datamanagement-filecatalog-${host}`;
  assert.equal(
    byName(declared, instance(first)).inputs.name,
    `prod-datamanagement-filecatalog-${first}`,
  );
  // Its host port is held by one container at a time: the old one goes before the new one comes.
  for (const part of ["", "-ready", "-registration"])
    assert.equal(deleteBeforeReplaceOf(`${instance(first)}${part}`), true, part);
  // The next instance waits until every balancer serves the one before it again, which waits
  // for its registration and for the balancers; the step is made anew with its container.
  assert.ok(
    dependenciesOf(instance(second)).includes(`${instance(first)}-served`),
    dependenciesOf(instance(second)).join(" "),
  );
  assert.deepEqual(dependenciesOf(`${instance(first)}-served`), [
    "platform-lb-prod-lb-1-ready",
    "platform-lb-prod-lb-2-ready",
    "platform-lb-prod-lb-3-ready",
    instance(first),
    `${instance(first)}-registration`,
  ]);
  const served = byName(declared, `${instance(first)}-served`);
  assert.deepEqual(served.inputs.triggers, [`${instance(first)}-id`]);
  // Each balancer asked through its host's Engine, as the host's provider reaches it.
  assert.deepEqual(
    JSON.parse((served.inputs.environment as Record<string, string>).GATE_BALANCERS),
    spec.loadBalancers.map((lb) => ({
      id: lb.id,
      engine: { host: lb.docker!.host },
      container: `prod-lb-${lb.id}`,
    })),
  );
});

test("each slave's Filebeat is created after the instances and agents it ships, which it then lists", async () => {
  await platform.declared;
  await settle(declared);
  const on = (host: string, part: string, record: Record<string, unknown>) =>
    Object.keys(record)
      .filter((at) => at.endsWith(`/${host}`))
      .map((at) => `platform-${part}-${at.replace("/", "-")}`);
  for (const host of spec.slaves.map((h) => h.id)) {
    const shipped = [
      ...on(host, "services", platform.services.containers),
      ...on(host, "agents", platform.agents.containers),
    ];
    assert.ok(shipped.length >= 2, `${host}: ${shipped.join(" ")}`);
    // Those containers alone: none of another host, no probe or registration.
    const deps = dependenciesOf(`platform-logging-filebeat-${host}`);
    assert.deepEqual(
      deps.filter((d) => /^platform-(services|agents)-/.test(d)),
      shipped.sort(),
      host,
    );
  }
});

test("the balancers come one after another, each once the one before it listens, so that a change replacing them all never has every one down", async () => {
  await settle(declared);
  const lbs = spec.loadBalancers.map((h) => h.id);
  assert.equal(lbs.length, 3);
  const first = spec.services[0];
  lbs.forEach((id, i) => {
    const ready = byName(declared, `platform-lb-${id}-ready`);
    const env = ready.inputs.environment as Record<string, string>;
    const address = spec.hosts.find((h) => h.id === id)!.address;
    assert.equal(env.PROBE_TCP, `${address}:${first.port}`, id);
    assert.equal(env.PROBE_WHAT, `load balancer prod-lb-${id} listening`);
    assert.ok(dependenciesOf(`platform-lb-${id}-ready`).includes(`platform-lb-${id}`), id);
    const before = dependenciesOf(`platform-lb-${id}`).filter((d) => d.startsWith("platform-lb-"));
    assert.deepEqual(before, i === 0 ? [] : [`platform-lb-${lbs[i - 1]}-ready`], id);
  });
});

test("the gossip key and the Grafana password stay secret", async () => {
  await settle(declared);
  const server = byName(declared, "platform-consul-server-prod-master-1");
  // The uploads that carry the key reach the engine as a secret value.
  const uploads = server.inputs.uploads as Record<string, unknown> & {
    value: { file: string; content: string }[];
  };
  assert.equal(uploads["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
  const config = uploads.value.find((u) => u.file === "/consul/config/consul.json")!;
  assert.ok(config.content.includes('"encrypt": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="'));
  const plain = JSON.stringify(
    declared.filter((r) => r.name !== server.name && !r.name.startsWith("platform-consul-")),
  );
  assert.equal(plain.includes("bm90LWEtcmVhbC1rZXkt"), false);
});

test("the endpoints an operator needs", async () => {
  const e = platform.endpoints;
  assert.deepEqual(e.loadBalancers, {
    "prod-lb-1": "lbproxy01.cern.ch",
    "prod-lb-2": "lbproxy02.cern.ch",
    "prod-lb-3": "lbproxy03.cern.ch",
  });
  // The stats page listens on each balancer's loopback: reached on its host (over SSH).
  assert.equal(e.loadBalancerStats["prod-lb-2"], "http://127.0.0.1:8404/stats");
  assert.equal(e.consulUi, "https://lbmaster01.cern.ch:8501/ui");
  assert.equal(
    e.zookeeper,
    "lbmaster01.cern.ch:2181,lbmaster02.cern.ch:2181,lbmaster03.cern.ch:2181,lbmaster04.cern.ch:2181,lbmaster05.cern.ch:2181",
  );
  assert.equal(e.marathon, "http://lbmaster01.cern.ch:8080");
  assert.equal(e.influxdb, "https://lbops01.cern.ch:8086");
  assert.equal(e.grafana, "https://lbops01.cern.ch:3000");
  assert.equal(e.logstash, "lbops02.cern.ch:5044");
  assert.equal(await valueOf(platform.consul.apiAddress), "https://lbmaster01.cern.ch:8501");
});

test("a prod stack without its secrets is refused before the platform itself is declared", () => {
  assert.throws(() => new Platform("nokey", { spec }), {
    name: "PlatformInputError",
    message: [
      "PlatformArgs: secrets.consulGossipKey: the secret, required because Consul's gossip is encrypted on prod",
      "PlatformArgs: secrets.grafanaAdminPassword: the secret, required because Grafana is on (features.grafana)",
    ].join("\n"),
  });
});
