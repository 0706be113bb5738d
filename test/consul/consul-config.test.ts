import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  consulAdvertiseAddress,
  CONSUL_CONFIG_FILE,
  consulAddressFor,
  consulAgentConfig,
  consulAgentHosts,
  consulServerConfig,
  consulServerContainer,
  esmContainer,
  esmHosts,
  gossipEncrypted,
} from "../../components/consul/consul-containers";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";

const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const local = loadPlatformFromStackFile(process.cwd(), "local");

test("a prod Consul server expects all five servers and joins them by address", () => {
  const cfg = JSON.parse(consulServerConfig(prod, prod.masters[0]));
  assert.deepEqual(cfg, {
    datacenter: "dc1",
    node_name: "prod-prod-master-1",
    data_dir: "/consul/data",
    client_addr: "0.0.0.0",
    bind_addr: "0.0.0.0",
    // The host is named, not numbered: its private address outside Docker's bridges, else its public one.
    advertise_addr:
      '{{ with $private := GetPrivateInterfaces | exclude "name" "^(docker[0-9]+|br-.*|veth.*)$" | attr "address" }}{{ $private }}{{ else }}{{ GetAllInterfaces | include "type" "IPv4" | include "flags" "forwardable" | include "flags" "up" | exclude "rfc" "6890" | exclude "name" "^(docker[0-9]+|br-.*|veth.*)$" | attr "address" }}{{ end }}',
    retry_join: [
      "lbmaster01.cern.ch",
      "lbmaster02.cern.ch",
      "lbmaster03.cern.ch",
      "lbmaster04.cern.ch",
      "lbmaster05.cern.ch",
    ],
    retry_interval: "2s",
    encrypt: "@@secret:consulGossipKey@@",
    // Default deny; the server bootstraps the ACLs with the management token, its agent token.
    acl: {
      enabled: true,
      default_policy: "deny",
      down_policy: "extend-cache",
      tokens: {
        initial_management: "@@secret:consulManagementToken@@",
        agent: "@@secret:consulManagementToken@@",
      },
    },
    // TLS both ways between agents, a server's name checked; the API as HTTPS only.
    tls: {
      defaults: {
        ca_file: "/consul/tls/ca.pem",
        cert_file: "/consul/tls/agent.pem",
        key_file: "/consul/tls/agent-key.pem",
        verify_incoming: true,
        verify_outgoing: true,
      },
      internal_rpc: { verify_server_hostname: true },
      https: { verify_incoming: false },
    },
    ports: { http: -1, https: 8501, dns: 8600 },
    log_level: "INFO",
    disable_update_check: true,
    enable_local_script_checks: true,
    server: true,
    bootstrap_expect: 5,
    ui_config: { enabled: true },
    performance: { raft_multiplier: 2 },
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
    autopilot: {
      cleanup_dead_servers: true,
      last_contact_threshold: "1s",
      server_stabilization_time: "5s",
    },
  });
});

test("gossip is encrypted everywhere but on the local stack; the config holds the key's placeholder, in the container's files", () => {
  assert.deepEqual([gossipEncrypted(prod), gossipEncrypted(local)], [true, false]);
  const file = consulServerContainer(prod, prod.masters[0]).files!.find(
    (f) => f.path === CONSUL_CONFIG_FILE,
  )!;
  assert.equal(file.content, consulServerConfig(prod, prod.masters[0]));
  assert.match(file.content, /"encrypt": "@@secret:consulGossipKey@@"/);
  assert.equal(consulServerConfig(local, local.masters[0]).includes("encrypt"), false);
});

test("agents run on every non-master host; slaves register the host service with its checks", () => {
  assert.deepEqual(
    consulAgentHosts(local).map((h) => h.id),
    ["slave-1", "slave-2", "slave-3", "lb-1", "lb-2", "ops-1"],
  );
  const slave = JSON.parse(consulAgentConfig(local, local.slaves[0]));
  assert.equal(slave.server, false);
  assert.deepEqual(slave.retry_join, [
    "local-consul-server-master-1",
    "local-consul-server-master-2",
    "local-consul-server-master-3",
  ]);
  assert.equal(slave.advertise_addr, undefined);
  assert.deepEqual(
    slave.services.map((s: { id: string; checks: { id: string }[] }) => [
      s.id,
      s.checks.map((c) => c.id),
    ]),
    [["mesos-slave-host-local-slave-1", ["disk", "load"]]],
  );
  const lb = JSON.parse(consulAgentConfig(local, local.loadBalancers[0]));
  assert.equal(lb.services, undefined);
});

test("a slave's load check: its limit per CPU from consul.slaveMaxLoadPerCpu (4; the site's hosts share the machine's CPUs: 32)", () => {
  const site = loadPlatformFromStackFile(process.cwd(), "site");
  const loadCheck = (spec: typeof local) =>
    (
      JSON.parse(consulAgentConfig(spec, spec.slaves[0])) as {
        services: { checks: { id: string; name: string; args: string[] }[] }[];
      }
    ).services[0].checks.find((c) => c.id === "load");
  for (const [spec, limit] of [
    [prod, 4],
    [local, 4],
    [site, 32],
  ] as const) {
    assert.equal(spec.consul.slaveMaxLoadPerCpu, limit, spec.stack);
    assert.deepEqual(loadCheck(spec), {
      id: "load",
      name: `load average below ${limit} per CPU`,
      args: ["sh", "-c", `awk -v n=$(nproc) '{ exit ($1 > ${limit} * n) }' /proc/loadavg`],
      interval: "10s",
      timeout: "5s",
    });
  }
  // The check itself: awk exits 1 (Consul's warning) above the limit, 0 at or below it.
  const args = loadCheck(local)!.args[2].replace("$(nproc)", "2").replace("/proc/loadavg", "-");
  for (const [load, code] of [
    ["8.00 1 1 1/1 1", 0],
    ["8.01 1 1 1/1 1", 1],
  ] as const)
    assert.equal(spawnSync("sh", ["-c", args], { input: load }).status, code, load);
});

test("consul-esm runs on two masters and talks to the local server", () => {
  assert.deepEqual(
    esmHosts(prod).map((h) => h.id),
    ["prod-master-1", "prod-master-2"],
  );
  assert.equal(consulAddressFor(prod, prod.masters[1]), "lbmaster02.cern.ch:8501");
  assert.equal(consulAddressFor(local, local.slaves[2]), "local-consul-agent-slave-3:8500");
  const esm = esmContainer(local, local.masters[0]);
  assert.equal(esm.name, "local-consul-esm-master-1");
  const config = JSON.parse(esm.files![0].content);
  // Its own stack's external nodes only (the instances' nodes carry their stack), under a
  // service and a KV prefix of its stack's.
  assert.deepEqual(config.external_node_meta, { "external-node": "true", stack: "local" });
  assert.equal(config.consul_service, "local-consul-esm");
  assert.equal(config.consul_kv_path, "consul-esm/local/");
  assert.equal(config.http_addr, "http://local-consul-server-master-1:8500");
  assert.equal(config.ca_file, undefined);
  assert.equal(esm.files!.length, 1);
  // On prod: HTTPS to its own server, checked against the CA, which it is given.
  const prodEsm = esmContainer(prod, prod.masters[1]);
  const prodConfig = JSON.parse(prodEsm.files![0].content);
  assert.equal(prodConfig.http_addr, "https://lbmaster02.cern.ch:8501");
  assert.equal(prodConfig.ca_file, "/etc/platform/consul-ca.pem");
  assert.deepEqual(prodEsm.files![1], {
    path: "/etc/platform/consul-ca.pem",
    content: "@@secret:consulCaCert@@",
  });
});

test("a real host's Consul advertises the host's IP when its address is one, else its private address outside Docker's interfaces, else its public one", () => {
  assert.equal(consulAdvertiseAddress("10.1.2.3"), "10.1.2.3");
  assert.equal(consulAdvertiseAddress("fd00::3"), "fd00::3");
  assert.equal(
    consulAdvertiseAddress("lbmaster01.cern.ch"),
    '{{ with $private := GetPrivateInterfaces | exclude "name" "^(docker[0-9]+|br-.*|veth.*)$" | attr "address" }}{{ $private }}{{ else }}{{ GetAllInterfaces | include "type" "IPv4" | include "flags" "forwardable" | include "flags" "up" | exclude "rfc" "6890" | exclude "name" "^(docker[0-9]+|br-.*|veth.*)$" | attr "address" }}{{ end }}',
  );
});
