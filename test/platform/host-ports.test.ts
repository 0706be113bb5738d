// The ports each host's parts listen on, and the clashes the config refuses: two parts of one
// stack on one port of a host, and a host two environments' stacks share on a port.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDocument } from "yaml";
import { PlatformInputError } from "../../components/core/errors";
import { loadPlatformFromStackFile, readStackFile } from "../../components/core/stack-config";
import { hostPorts } from "../../components/host-ports";
import { loadCheckedPlatform } from "../../components/stack-checks";
import { tempDir } from "../../scripts/temp-dir";

const listed = (
  ports: { port: number; last?: number; protocol: string; part: string }[] | undefined,
) =>
  (ports ?? []).map(
    (p) => `${p.port}${p.last === undefined ? "" : `-${p.last}`}/${p.protocol} ${p.part}`,
  );

test("site: what each kind of host listens on", () => {
  const ports = hostPorts(loadPlatformFromStackFile(process.cwd(), "site"));
  const agent = [
    "8301/tcp consul-agent",
    "8301/udp consul-agent",
    "8501/tcp consul-agent",
    "8600/tcp consul-agent",
    "8600/udp consul-agent",
  ];
  assert.deepEqual(listed(ports.get("master-1")), [
    "2181/tcp zookeeper",
    "2888/tcp zookeeper",
    "3888/tcp zookeeper",
    "8300/tcp consul-server",
    "8301/tcp consul-server",
    "8301/udp consul-server",
    "8302/tcp consul-server",
    "8302/udp consul-server",
    "8501/tcp consul-server",
    "8503/tcp consul-server",
    "8600/tcp consul-server",
    "8600/udp consul-server",
  ]);
  assert.deepEqual(listed(ports.get("slave-2")), [
    ...agent,
    "9135/tcp service Configuration/Server",
    "9162/tcp service Framework/SystemAdministrator",
    "19135/tcp service Configuration/Server",
  ]);
  assert.deepEqual(listed(ports.get("lb-1")), [
    ...agent.slice(0, 2),
    "8404/tcp lb",
    ...agent.slice(2),
    "9135/tcp lb",
    "9148/tcp lb",
    "9162/tcp lb",
  ]);
  assert.equal(hostPorts(loadPlatformFromStackFile(process.cwd(), "local")).size, 0);
});

test("prod: the metrics and logging parts on their hosts", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "prod");
  const ports = hostPorts(spec);
  const own = (id: string) => listed(ports.get(id)).filter((p) => !p.includes("consul-agent"));
  assert.deepEqual(own(spec.monitoring!.id), [
    "3000/tcp grafana",
    "8086/tcp influxdb",
    "8089/tcp influxdb",
  ]);
  assert.deepEqual(own(spec.logging!.id), ["5044/tcp logstash", "9600/tcp logstash"]);
  assert.deepEqual(own(spec.slaves[0].id).slice(0, 3), [
    "5051/tcp mesos-agent",
    "5066/tcp filebeat",
    "8088/tcp cadvisor",
  ]);
});

test("cert: the Mesos side's ports, the ones its parts are called back on and its tasks' among them", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "cert");
  const ports = hostPorts(spec);
  const mesos = (id: string) =>
    listed(ports.get(id)).filter((p) => /mesos|marathon|chronos/.test(p));
  assert.deepEqual(mesos(spec.masters[0].id), [
    "4400/tcp chronos",
    "4401/tcp chronos",
    "5050/tcp mesos-master",
    "8080/tcp marathon",
    "8081/tcp marathon",
  ]);
  for (const h of spec.slaves)
    assert.deepEqual(mesos(h.id), ["5051/tcp mesos-agent", "31000-32000/tcp mesos tasks"], h.id);
});

/**
 * A project directory with the site's stack file and catalog, `other` written from the site's
 * stack file with `edit`, and `files` (path → content).
 */
function project(
  edit: (config: Record<string, unknown>) => void,
  files: Record<string, string> = {},
): string {
  const dir = tempDir("host-ports-");
  mkdirSync(join(dir, "catalog"));
  copyFileSync("catalog/site.yaml", join(dir, "catalog", "site.yaml"));
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  const text = readFileSync("Pulumi.site.yaml", "utf8");
  writeFileSync(join(dir, "Pulumi.site.yaml"), text);
  const doc = parseDocument(text);
  const config = doc.get("config", false) as { toJSON(): Record<string, unknown> };
  const values = config.toJSON();
  edit(values);
  doc.set("config", values);
  writeFileSync(join(dir, "Pulumi.other.yaml"), doc.toString());
  return dir;
}

function attempt(dir: string, stack: string): string {
  const { file, entries } = readStackFile(dir, stack);
  try {
    loadCheckedPlatform(dir, stack, entries, file);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof PlatformInputError, String(e));
    return e.message;
  }
}

type Host = { id: string; address: string; roles: string[] };

test("two parts of a stack on one port of a host are refused, host by host", () => {
  const clash = readFileSync("catalog/site.yaml", "utf8").replace("port: 9148", "port: 8501");
  const dir = project((c) => (c["lhcb-platform:catalog"] = "catalog/clash.yaml"), {
    "catalog/clash.yaml": clash,
  });
  assert.equal(
    attempt(dir, "other"),
    [
      "Pulumi.other.yaml: config.lhcb-platform:hosts[3]: parts that listen on distinct ports of the host; slave-1 would have 8501/tcp (consul-agent, service DataManagement/StorageElement)",
      "Pulumi.other.yaml: config.lhcb-platform:hosts[5]: parts that listen on distinct ports of the host; slave-3 would have 8501/tcp (consul-agent, service DataManagement/StorageElement)",
      "Pulumi.other.yaml: config.lhcb-platform:hosts[6]: parts that listen on distinct ports of the host; lb-1 would have 8501/tcp (consul-agent, lb)",
      "Pulumi.other.yaml: config.lhcb-platform:hosts[7]: parts that listen on distinct ports of the host; lb-2 would have 8501/tcp (consul-agent, lb)",
    ].join("\n"),
  );
});
test("a host that another environment's stack names is refused where both listen on a port; a stack of the same environment is an alternative, not a neighbour", () => {
  const dir = project((c) => {
    c["lhcb-platform:environment"] = "prod";
    const hosts = c["lhcb-platform:hosts"] as Host[];
    c["lhcb-platform:hosts"] = hosts.map((h) =>
      h.id === "lb-2" ? h : { ...h, address: h.address.replace(".site.", ".other.") },
    );
  });
  assert.equal(
    attempt(dir, "site"),
    "Pulumi.site.yaml: config.lhcb-platform:hosts[7].address: a host no other environment listens on with the same ports; lb-2.site.lhcb.test is also hosts[7] of Pulumi.other.yaml (prod), and both would listen there on 8301/tcp (consul-agent, consul-agent), 8301/udp (consul-agent, consul-agent), 8404/tcp (lb, lb), 8501/tcp (consul-agent, consul-agent), 8600/tcp (consul-agent, consul-agent), 8600/udp (consul-agent, consul-agent), 9135/tcp (lb, lb), 9148/tcp (lb, lb), 9162/tcp (lb, lb)",
  );
  const copy = project(() => {});
  assert.equal(attempt(copy, "site"), "ok", "a copy of the site (cert) beside it");
  assert.equal(attempt(copy, "other"), "ok");
});

test("DIRAC's MariaDB listens on 3306 of its host, and a part of the stack there on that port is refused", () => {
  const catalog = (sePort: number) =>
    [
      "services:",
      "  - { name: Configuration/Server, port: 9135, protocol: tcp, check: { tcp: true } }",
      `  - { name: DataManagement/StorageElement, port: ${sePort}, protocol: tcp, check: { tcp: true }, databases: [StorageDB] }`,
      "",
    ].join("\n");
  const stack = (sePort: number) =>
    project(
      (c) => {
        c["lhcb-platform:dirac"] = { installation: "Site", database: { host: "slave-1" } };
        c["lhcb-platform:catalog"] = "catalog/dirac.yaml";
      },
      { "catalog/dirac.yaml": catalog(sePort) },
    );
  const dir = stack(9148);
  const { file, entries } = readStackFile(dir, "other");
  const spec = loadCheckedPlatform(dir, "other", entries, file);
  assert.ok(listed(hostPorts(spec).get("slave-1")).includes("3306/tcp dirac-database"));
  assert.match(
    attempt(stack(3306), "other"),
    /hosts\[3\]: parts that listen on distinct ports of the host; slave-1 would have 3306\/tcp \(service DataManagement\/StorageElement, dirac-database\)/,
  );
});
