import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { secretPlaceholder } from "../../components/core/container-spec";
import { consulServerContainer } from "../../components/consul/consul-containers";
import { renderMyId, renderZooCfg, zkConnect, zkUrl } from "../../components/zookeeper/zoo-cfg";
import {
  zookeeperContainer,
  zookeeperMembers,
} from "../../components/zookeeper/zookeeper-containers";

const three = [
  { id: 1, address: "zk-a" },
  { id: 2, address: "zk-b" },
  { id: 3, address: "zk-c" },
];

test("zoo.cfg of a three-member ensemble lists every server", () => {
  assert.equal(
    renderZooCfg(three, { dataDir: "/data" }),
    `# ZooKeeper ensemble; generated, do not edit
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/data
clientPort=2181
maxClientCnxns=200
autopurge.snapRetainCount=5
autopurge.purgeInterval=24
quorumListenOnAllIPs=true
4lw.commands.whitelist=srvr,stat,ruok,mntr,conf
admin.enableServer=false
server.1=zk-a:2888:3888
server.2=zk-b:2888:3888
server.3=zk-c:2888:3888
`,
  );
});

test("a single member runs standalone", () => {
  const text = renderZooCfg([{ id: 1, address: "zk" }], { dataDir: "/d", clientPort: 12181 });
  assert.ok(text.includes("clientPort=12181\n"));
  assert.ok(text.endsWith("standaloneEnabled=true\n"));
  assert.ok(!text.includes("server.1="));
});

test("connection strings", () => {
  assert.equal(zkUrl(three, "/mesos"), "zk://zk-a:2181,zk-b:2181,zk-c:2181/mesos");
  assert.equal(zkConnect([three[2], three[0]]), "zk-a:2181,zk-c:2181");
  assert.equal(renderMyId(3), "3\n");
});

test("the local stack's members are named containers with their myid", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "local");
  assert.deepEqual(zookeeperMembers(spec), [
    { id: 1, address: "local-zookeeper-master-1" },
    { id: 2, address: "local-zookeeper-master-2" },
    { id: 3, address: "local-zookeeper-master-3" },
  ]);
  const c = zookeeperContainer(spec, spec.masters[1]);
  assert.equal(c.name, "local-zookeeper-master-2");
  assert.equal(c.image, "lhcb-platform/zookeeper:3.8.4");
  assert.deepEqual(
    c.files!.map((f) => f.path),
    ["/conf/zoo.cfg", "/data/myid", "/conf/java.security"],
  );
  assert.equal(c.files![1].content, "2\n");
  // A failed lookup of another member is not cached (the JVM's default is 10 s), found ones for 10 s.
  assert.equal(
    c.files![2].content,
    "networkaddress.cache.ttl=10\nnetworkaddress.cache.negative.ttl=0\n",
  );
  assert.equal(
    c.env!.SERVER_JVMFLAGS,
    "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.security.properties=/conf/java.security",
  );
  assert.ok(c.files![0].content.includes("server.2=local-zookeeper-master-2:2888:3888\n"));
  assert.equal(c.hostNetwork, false);
});

test("prod members are the masters' addresses on the host network", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "prod");
  assert.deepEqual(
    zookeeperMembers(spec).map((m) => m.address),
    [
      "lbmaster01.cern.ch",
      "lbmaster02.cern.ch",
      "lbmaster03.cern.ch",
      "lbmaster04.cern.ch",
      "lbmaster05.cern.ch",
    ],
  );
  const c = zookeeperContainer(spec, spec.masters[4]);
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/zookeeper:3.8.4");
  assert.equal(c.hostNetwork, true);
  assert.equal(c.env!.ZOO_MY_ID, "5");
});

test("every member asks its clients to authenticate (digest) on cert and prod, none on local; the admin is the super user there", () => {
  const enforced = [
    "enforce.auth.enabled=true",
    "enforce.auth.schemes=digest",
    `DigestAuthenticationProvider.superDigest=${secretPlaceholder("zookeeperSuperDigest")}`,
  ];
  for (const stack of ["local", "cert", "prod"]) {
    const spec = loadPlatformFromStackFile(process.cwd(), stack);
    for (const host of spec.masters) {
      const lines = zookeeperContainer(spec, host).files![0].content.split("\n");
      assert.deepEqual(
        lines.filter((l) => /^(enforce\.|DigestAuthenticationProvider\.)/.test(l)),
        stack === "local" ? [] : enforced,
        `${stack} ${host.id}`,
      );
    }
  }

  assert.equal(
    zkUrl(three, "/mesos", 2181, "mesos-master:secret"),
    "zk://mesos-master:secret@zk-a:2181,zk-b:2181,zk-c:2181/mesos",
  );
});

test("masters that keep their ZooKeeper ids (zookeeperId) after the second and fourth left: ids 1, 3, 5 everywhere", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "prod");
  const [m1, , m3, , m5] = spec.masters;
  const kept = { ...spec, masters: [m1, { ...m3, zookeeperId: 3 }, { ...m5, zookeeperId: 5 }] };
  assert.deepEqual(zookeeperMembers(kept), [
    { id: 1, address: "lbmaster01.cern.ch" },
    { id: 3, address: "lbmaster03.cern.ch" },
    { id: 5, address: "lbmaster05.cern.ch" },
  ]);
  const c = zookeeperContainer(kept, kept.masters[2]);
  assert.equal(c.env!.ZOO_MY_ID, "5");
  assert.equal(c.files![1].content, "5\n");
  assert.deepEqual(
    c.files![0].content.split("\n").filter((l) => l.startsWith("server.")),
    [
      "server.1=lbmaster01.cern.ch:2888:3888",
      "server.3=lbmaster03.cern.ch:2888:3888",
      "server.5=lbmaster05.cern.ch:2888:3888",
    ],
  );
});

test("on the local stack, masters moved with their zookeeperId keep their members' fixed addresses, ZooKeeper's and Consul's", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "local");
  const [m1, m2, m3] = spec.masters;
  const moved = {
    ...spec,
    masters: [m1, { ...m3, zookeeperId: 3 }, { ...m2, zookeeperId: 2 }],
  };
  const addresses = (s: typeof spec) =>
    Object.fromEntries(
      s.masters.map((h) => [
        h.id,
        [zookeeperContainer(s, h).ipv4Address, consulServerContainer(s, h).ipv4Address],
      ]),
    );
  assert.deepEqual(addresses(moved), addresses(spec));
  assert.deepEqual(addresses(spec)["master-3"], [
    zookeeperContainer(spec, m1).ipv4Address!.replace(/\.11$/, ".13"),
    zookeeperContainer(spec, m1).ipv4Address!.replace(/\.11$/, ".33"),
  ]);
});
