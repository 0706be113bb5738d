import assert from "node:assert/strict";
import { test } from "node:test";
import { EngineObjects, idsInState, orphansArgs, orphansOf } from "../../scripts/engine-orphans";

const exported = {
  version: 3,
  deployment: {
    resources: [
      { type: "pulumi:pulumi:Stack", urn: "urn:stack" },
      { type: "pulumi:providers:docker", id: "prov-1" },
      { type: "docker:index/container:Container", id: "c1" },
      { type: "docker:index/network:Network", id: "n1" },
      { type: "docker:index/volume:Volume", id: "local-zookeeper-master-1-data" },
      { type: "docker:index/remoteImage:RemoteImage", id: "sha256:img" },
      { type: "command:local:Command", id: "cmd-1" },
    ],
  },
};

test("the state holds the provider ids of its Docker containers, networks and volumes only", () => {
  assert.deepEqual(
    [...idsInState(exported)].sort(),
    ["c1", "local-zookeeper-master-1-data", "n1"].sort(),
  );
  assert.deepEqual([...idsInState({ version: 3, deployment: {} })], []);
});

test("orphans: what the engine has of the stack that the state does not hold, never Mesos's containers", () => {
  const engine: EngineObjects = {
    containers: [
      { id: "c1", name: "local-zookeeper-master-1" },
      { id: "c2", name: "local-zookeeper-master-2" },
      { id: "c3", name: "mesos-5f0e1d2c" },
    ],
    networks: [
      { id: "n1", name: "local-net" },
      { id: "n2", name: "local-net" },
    ],
    volumes: ["local-zookeeper-master-1-data", "local-zookeeper-master-2-data"],
  };
  assert.deepEqual(orphansOf(engine, idsInState(exported)), {
    containers: [{ id: "c2", name: "local-zookeeper-master-2" }],
    networks: [{ id: "n2", name: "local-net" }],
    volumes: ["local-zookeeper-master-2-data"],
  });
  assert.deepEqual(orphansOf(engine, new Set(["c1", "c2", "n1", "n2", ...engine.volumes])), {
    containers: [],
    networks: [],
    volumes: [],
  });
});

test("the command line: the stack, and the engine to clear where one is named", () => {
  assert.deepEqual(orphansArgs(["site"]), { stack: "site" });
  assert.deepEqual(orphansArgs(["site", "--host", "ssh://root@slave-3"]), {
    stack: "site",
    host: "ssh://root@slave-3",
  });
  assert.deepEqual(orphansArgs(["site", "--host", "unix:///run/docker.sock"]), {
    stack: "site",
    host: "unix:///run/docker.sock",
  });
  const usage = "usage: tsx scripts/engine-orphans.ts STACK [--host DOCKER_HOST]";
  assert.throws(() => orphansArgs([]), { message: usage });
  assert.throws(() => orphansArgs(["--host", "ssh://root@slave-3"]), { message: usage });
  for (const wrong of [
    ["site", "--host"],
    ["site", "--host", "slave-3"],
    ["site", "slave-3"],
  ])
    assert.throws(() => orphansArgs(wrong), {
      message: `${usage} (DOCKER_HOST: ssh://, tcp:// or unix://, as a host's docker.host)`,
    });
});
