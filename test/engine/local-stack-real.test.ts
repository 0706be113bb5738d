// The real engine on the local Docker Engine, through the Pulumi CLI as an operator runs it:
// `pulumi up` of the local stack's platform (under a scratch stack name, so a developer's own
// `local` stack is left alone), checks of what it started, `pulumi preview --expect-no-changes`,
// and `pulumi destroy` leaving nothing behind.
// Needs what `npm run up` prepares: dockerd, the images, the Pulumi toolchain and plugins (scripts/toolchain).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configurationText, disetCall } from "../../scripts/bench/diset";
import { docker, eventually, ipOf, lines, tcpLine, zkMode } from "../../scripts/bench/probes";
import { CliStack } from "../../scripts/cli-stack";
import { PROJECT_ROOT, pulumiCli } from "../../scripts/engine-stack";
import { PORTS } from "../../components/core/endpoints";
import { entrySelection } from "../../components/metrics/grafana-dashboards";
import { METRICS_DATABASE } from "../../components/metrics/influxdb-config";

let stack: CliStack;
let STACK = "";

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

before(async () => {
  const missing =
    "run `npm run up` (or .ci/run) first: it starts the Docker Engine and builds the images and the Pulumi CLI";
  assert.doesNotThrow(
    () => docker("info", "--format", "{{.ServerVersion}}"),
    `no Docker Engine answers; ${missing}`,
  );
  assert.doesNotThrow(
    () => docker("image", "inspect", "lhcb-platform/service:1.0.0", "lhcb-platform/dirac:9.1.22"),
    `the platform images are missing; ${missing}`,
  );
  assert.ok(existsSync(pulumiCli()), `the Pulumi CLI is missing at ${pulumiCli()}; ${missing}`);
  stack = await CliStack.create(`engine${process.pid % 1000}`, "local");
  STACK = stack.name;
});

after(async () => {
  // Whatever happened, leave nothing behind.
  if (stack) await stack.remove();
});

test(
  "up, probes, preview without change, destroy leaving nothing",
  { timeout: 900_000 },
  async () => {
    const t0 = Date.now();
    const up = await stack.up();
    console.log(
      `engine test: pulumi up (${/\+ (\d+) created/.exec(up)?.[1] ?? "?"} created) in ${(Date.now() - t0) / 1000}s`,
    );

    // The state holds only the plugins' resources: docker, consul and command, and the components.
    const state = await stack.exportState();
    const types = [...new Set(state.resources.map((r) => r.type.split(":")[0]))].sort();
    assert.deepEqual(types, ["command", "consul", "docker", "lhcb-platform", "pulumi"]);
    assert.deepEqual(
      [
        ...new Set(state.resources.filter((r) => r.type.startsWith("pulumi:")).map((r) => r.type)),
      ].sort(),
      [
        "pulumi:providers:command",
        "pulumi:providers:consul",
        "pulumi:providers:docker",
        "pulumi:pulumi:Stack",
      ],
    );

    // The program ran as under an operator's CLI (the language host's runner, the program's
    // loader): the source position Pulumi records for every container is the TypeScript line and
    // column that declares it, not a line of the compiled JavaScript.
    const declaring = "components/hosts/declare-container.ts";
    const source = readFileSync(join(PROJECT_ROOT, declaring), "utf8").split("\n");
    const line = source.findIndex((l) => l.includes("new PlatformContainer("));
    assert.ok(line >= 0, `${declaring} declares no PlatformContainer`);
    const column = source[line]!.indexOf("new PlatformContainer(");
    assert.deepEqual(
      [
        ...new Set(
          state.resources
            .filter((r) => r.type === "docker:index/container:Container")
            .map((r) => r.sourcePosition),
        ),
      ],
      [`project:///${declaring}#${line + 1},${column + 1}`],
    );

    const names = lines(
      docker("ps", "-a", "--filter", `label=platform.stack=${STACK}`, "--format", "{{.Names}}"),
    ).sort();
    assert.equal(names.length, 41, names.join(" "));
    // Every container runs. A Docker health check (an exec every 5 minutes) only where nothing
    // else watches the part; every other container has Docker's checks off, its image's included.
    await eventually("every container running", 120, async () => {
      const bad = names.filter(
        (n) => docker("inspect", "-f", "{{.State.Status}}", n) !== "running",
      );
      if (bad.length > 0) throw new Error(`not running: ${bad.join(", ")}`);
      return true;
    });
    const checks = names.map(
      (n) =>
        `${n.slice(STACK.length + 1)} ${docker("inspect", "-f", "{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}}", n)}`,
    );
    const checked = checks.filter((c) => !c.includes('["NONE"]'));
    assert.deepEqual(
      checked.map((c) => c.replace(/ \[.*\] /, " ")).sort(),
      [
        "cadvisor-slave-1",
        "influxdb-ops-1",
        "lb-lb-1",
        "lb-lb-2",
        "metrics-shipper-slave-1",
        "metrics-shipper-slave-2",
        "metrics-shipper-slave-3",
        "zookeeper-master-1",
        "zookeeper-master-2",
        "zookeeper-master-3",
      ].map((c) => `${c} 5m0s`),
    );
    // Unchecked by Docker: the rest, the Docker API proxy of the one cAdvisor among them.
    assert.equal(checks.length - checked.length, 31);

    // cAdvisor writes every container's measurements to InfluxDB with its Docker labels as tags:
    // a service dashboard's selection finds exactly that service's instances.
    const influx = `http://${ipOf(`${STACK}-influxdb-ops-1`)}:${PORTS.influxdb}`;
    const q = `SELECT last("value") FROM "memory_usage" WHERE ${entrySelection(
      { stack: STACK, local: true, slaves: [] },
      { key: "sample-web" },
    )} AND time > now() - 10m GROUP BY "container_name"`;
    const measured = await eventually(
      "cAdvisor measurements of every Sample/Web instance in InfluxDB",
      90,
      async () => {
        const res = await fetch(
          `${influx}/query?db=${METRICS_DATABASE}&q=${encodeURIComponent(q)}`,
          { signal: AbortSignal.timeout(3000) },
        ).catch(() => undefined);
        if (!res?.ok) return undefined;
        const body = (await res.json()) as {
          results: { series?: { tags: { container_name: string } }[] }[];
        };
        const series = (body.results[0].series ?? []).map((x) => x.tags.container_name).sort();
        return series.length === 3 ? series : undefined;
      },
    );
    // An instance's container is named after its host and its revision (serviceInstance).
    const sampleWeb = lines(
      docker(
        "ps",
        "--filter",
        `label=platform.stack=${STACK}`,
        "--filter",
        "label=platform.service=sample-web",
        "--format",
        "{{.Names}}",
      ),
    ).sort();
    assert.deepEqual(
      sampleWeb.map((n) => n.replace(/-[0-9a-f]{8}$/, "")),
      [1, 2, 3].map((i) => `${STACK}-sample-web-slave-${i}`),
    );
    assert.deepEqual(measured, sampleWeb);

    // The ZooKeeper ensemble has exactly one leader.
    const modes = [1, 2, 3].map((i) =>
      docker(
        "exec",
        `${STACK}-zookeeper-master-${i}`,
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/2181; echo srvr >&3; sed -n 's/^Mode: //p' <&3",
      ),
    );
    assert.deepEqual([...modes].sort(), ["follower", "follower", "leader"]);

    // Consul has a leader and three servers.
    const peers = docker(
      "exec",
      `${STACK}-consul-server-master-1`,
      "consul",
      "operator",
      "raft",
      "list-peers",
    );
    assert.equal(lines(peers).length, 4, peers);
    assert.equal(lines(peers).filter((l) => / leader /.test(l)).length, 1, peers);

    // Every HAProxy answers for each service. The sample service sees the client's address;
    // DIRAC's services answer DISET calls with real data.
    for (const lb of ["lb-1", "lb-2"]) {
      const ip = ipOf(`${STACK}-lb-${lb}`);
      const seen = await eventually(`${lb} serving every Sample/Web instance`, 60, async () => {
        const instances = new Set<string>();
        for (let i = 0; i < 9; i++) {
          const r = await httpGet(`http://${ip}:9162/`);
          if (r.status !== 200) return undefined;
          instances.add(JSON.parse(r.body).instance);
        }
        return instances.size === 3 ? [...instances].sort() : undefined;
      });
      assert.deepEqual(seen, sampleWeb);
      const r = JSON.parse((await httpGet(`http://${ip}:9162/`)).body);
      assert.equal(r.service, "Sample/Web");
      assert.match(
        r.client,
        /^\d+\.\d+\.\d+\.1$/,
        "the client is the Docker host, from X-Forwarded-For",
      );
      const proxied = JSON.parse(
        await eventually(
          `${lb} Sample/Proxied`,
          60,
          async () => (await tcpLine(ip, 9170, "hello\n")) || undefined,
        ),
      );
      assert.equal(proxied.service, "Sample/Proxied");
      assert.match(
        proxied.client,
        /^\d+\.\d+\.\d+\.1$/,
        "the PROXY protocol carries the client's address",
      );
      // The Configuration Server serves the installation's configuration: every DIRAC service
      // through both balancers.
      const served = configurationText(
        await eventually(`${lb} Configuration/Server`, 60, () =>
          disetCall(ip, 9135, "Configuration/Server", "getCompressedData").catch(() => undefined),
        ),
      );
      assert.match(
        served,
        new RegExp(
          `\n {6}StorageElement = dip://${STACK}-lb-lb-1:9148/DataManagement/StorageElement\n {6}StorageElement \\+= dip://${STACK}-lb-lb-2:9148/DataManagement/StorageElement\n`,
        ),
      );
      const space = await disetCall(ip, 9148, "DataManagement/StorageElement", "getFreeDiskSpace");
      assert.ok(
        space.OK && typeof space.Value === "number" && space.Value > 0,
        JSON.stringify(space),
      );
      // The DB-backed ResourceStatus answers a select from its tables in MariaDB: none yet.
      const sites = await eventually(`${lb} ResourceStatus/ResourceStatus`, 60, () =>
        disetCall(ip, 9160, "ResourceStatus/ResourceStatus", "select", ["SiteStatus", {}]).catch(
          () => undefined,
        ),
      );
      assert.deepEqual([sites.OK, sites.Value], [true, []], JSON.stringify(sites));
      assert.equal((await httpGet(`http://${ip}:8404/healthz`)).status, 200);
      // An instance's admin switch is refused through the balancer (it answers on the
      // instance's own address only), and every instance stays in service.
      const admin = await fetch(`http://${ip}:9162/admin/health?state=fail`, {
        method: "POST",
        signal: AbortSignal.timeout(3000),
      });
      assert.equal(admin.status, 403);
    }
    for (const instance of sampleWeb)
      assert.equal(
        (await httpGet(`http://${ipOf(instance)}:9162/ping`)).status,
        200,
        `${instance} still healthy`,
      );
    // DIRAC's own client, in a container of no platform part on the stack's network, told only
    // the Configuration Server's URL through one balancer: it finds the StorageElement by name,
    // at the balancers' URLs only, and gets its free space.
    const client = docker(
      "run",
      "--rm",
      "--network",
      `${STACK}-net`,
      "--entrypoint",
      "python3",
      "lhcb-platform/dirac:9.1.22",
      "-c",
      [
        "import DIRAC",
        `DIRAC.initialize(require_auth=False, extra_config={"DIRAC": {"Configuration": {"Servers": "dip://${STACK}-lb-lb-1:9135/Configuration/Server"}, "Security": {"UseServerCertificate": "no"}}})`,
        "from DIRAC.ConfigurationSystem.Client.PathFinder import getServiceURLs",
        "from DIRAC.Core.Base.Client import Client",
        'r = Client(url="DataManagement/StorageElement").getFreeDiskSpace(); assert r["OK"], r',
        'print(",".join(sorted(getServiceURLs("DataManagement/StorageElement"))), r["Value"] > 0)',
        // the DB-backed service, by DIRAC's own client of it
        "from DIRAC.ResourceStatusSystem.Client.ResourceStatusClient import ResourceStatusClient",
        'r = ResourceStatusClient().selectStatusElement("Site", "Status"); assert r["OK"], r',
        'print("sites", r["Value"])',
      ].join("\n"),
    );
    assert.deepEqual(lines(client).slice(-2), [
      `dip://${STACK}-lb-lb-1:9148/DataManagement/StorageElement,dip://${STACK}-lb-lb-2:9148/DataManagement/StorageElement True`,
      "sites []",
    ]);

    // Least privilege: every capability dropped but those a part names (an upstream image's
    // entrypoint hands over to its own user: CHOWN, SETGID, SETUID, 0xc1), no process may gain
    // privileges, and what the platform's own service image runs, runs as nobody.
    const privileges = names.map((n) => {
      const status = docker("exec", n, "cat", "/proc/1/status");
      const field = (key: string) => new RegExp(`^${key}:\\s*(\\S+)`, "m").exec(status)?.[1];
      const part = docker("inspect", "-f", '{{index .Config.Labels "platform.component"}}', n);
      return `${part} uid=${field("Uid")} caps=${field("CapEff")} no-new-privileges=${field("NoNewPrivs")}`;
    });
    const none = "caps=0000000000000000 no-new-privileges=1";
    const handover = "caps=00000000000000c1 no-new-privileges=1";
    assert.deepEqual([...new Set(privileges)].sort(), [
      `agent uid=65534 ${none}`,
      `cadvisor uid=0 ${none}`,
      `cadvisor-docker-api uid=0 ${none}`,
      `consul-agent uid=0 ${handover}`,
      `consul-esm uid=65534 ${none}`,
      `consul-server uid=0 ${handover}`,
      `dirac-database uid=100 ${none}`,
      `influxdb uid=0 ${none}`,
      `lb uid=0 ${none}`,
      `metrics-shipper uid=65534 ${none}`,
      `service uid=65534 ${none}`,
      `zookeeper uid=0 ${handover}`,
    ]);

    // Every member of both quorums replaced in one `up` (what a change to their containers does):
    // one after another, each back in its quorum before the next stops. Consul keeps a leader
    // (a leading server hands its leadership over before it stops: the new leader is elected at
    // once, so a poll may land in the moment between the two, never two polls in a row, where an
    // election after a lost leader takes seconds with raft_multiplier 2); declared all at
    // once, the local stack's servers come back on new addresses together and never elect again.
    // ZooKeeper has no leadership handover: replacing its leader costs an election, so what is
    // asserted there is that two members always run, and the quorum is back at the end.
    const members = (await stack.exportState()).resources
      .filter((r) => /Container::platform-(consul-server|zookeeper)-master-\d$/.test(r.urn))
      .map((r) => r.urn);
    assert.equal(members.length, 6);
    const agent = ipOf(`${STACK}-consul-agent-lb-1`);
    const watch = {
      polls: 0,
      noLeader: [] as { poll: number; seen: string }[],
      zkDown: [] as string[],
      zkNoQuorumPolls: 0,
      done: false,
    };
    // What each ZooKeeper member is: "leader"/"follower" when it serves, "up" when it answers without serving, "-" when gone.
    const zkState = async (i: number): Promise<string> => {
      let ip = "";
      try {
        ip = ipOf(`${STACK}-zookeeper-master-${i}`);
      } catch {
        return "-";
      }
      if (ip === "") return "-";
      const mode = await zkMode(ip);
      if (mode !== "down") return mode;
      return (await tcpLine(ip, PORTS.zookeeperClient, "srvr", 500).catch(() => "")) === ""
        ? "-"
        : "up";
    };
    const watcher = (async () => {
      while (!watch.done) {
        const at = new Date().toISOString().slice(11, 23);
        const leader = await httpGet(`http://${agent}:${PORTS.consulHttp}/v1/status/leader`).catch(
          (e) => ({ status: 0, body: String(e) }),
        );
        if (leader.status !== 200 || leader.body.trim() === '""')
          watch.noLeader.push({ poll: watch.polls, seen: `${at} ${leader.status} ${leader.body}` });
        const zk = await Promise.all([1, 2, 3].map(zkState));
        if (zk.filter((m) => m !== "-").length < 2) watch.zkDown.push(`${at} ${zk.join(",")}`);
        if (zk.filter((m) => m === "leader" || m === "follower").length < 2)
          watch.zkNoQuorumPolls++;
        watch.polls++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const t2 = Date.now();
    await stack.upReplacing(members);
    watch.done = true;
    await watcher;
    console.log(
      `engine test: every quorum member replaced in ${(Date.now() - t2) / 1000}s; ${watch.polls} polls, Consul without a leader in ${watch.noLeader.length}, ZooKeeper without a quorum in ${watch.zkNoQuorumPolls}`,
    );
    assert.ok(watch.polls > 20, `${watch.polls} polls`);
    const leaderless = watch.noLeader.filter(
      (x, i) => i > 0 && watch.noLeader[i - 1].poll === x.poll - 1,
    );
    assert.deepEqual(
      leaderless,
      [],
      `Consul without a leader in two polls in a row while its servers were replaced: ${watch.noLeader.map((x) => x.seen).join("; ")}`,
    );
    assert.deepEqual(
      watch.zkDown,
      [],
      "two ZooKeeper members down at once while they were replaced",
    );
    const zkAfter = await eventually(
      "a ZooKeeper leader and two followers after the replacements",
      30,
      async () => {
        const modes = (await Promise.all([1, 2, 3].map(zkState))).sort();
        return modes.join() === "follower,follower,leader" ? modes : undefined;
      },
    );
    assert.deepEqual(zkAfter, ["follower", "follower", "leader"]);

    // `pulumi preview --expect-no-changes` fails on any change.
    const t1 = Date.now();
    await stack.previewNoChanges();
    console.log(`engine test: pulumi preview, no change, in ${(Date.now() - t1) / 1000}s`);

    await stack.destroy();
    assert.equal(docker("ps", "-a", "--filter", `label=platform.stack=${STACK}`, "-q"), "");
    assert.equal(docker("network", "ls", "--filter", `label=platform.stack=${STACK}`, "-q"), "");
    assert.equal(docker("volume", "ls", "--filter", `label=platform.stack=${STACK}`, "-q"), "");
    assert.equal(
      lines(docker("volume", "ls", "-q")).filter((v) => v.startsWith(`${STACK}-`)).length,
      0,
    );
  },
);
