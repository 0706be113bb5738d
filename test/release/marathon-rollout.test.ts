// The release's wait for Marathon's upgrade of the marathon-mode services, as Consul shows it
// (scripts/marathon-rollout.ts): the goals of cert's release, how far a service is from its
// health entries, and the wait against a Consul of the test's whose answers move as an upgrade
// does. test/marathon/task-registrar-real.test.ts follows a whole upgrade through the real
// registrar and a real Consul.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { marathonAppsPlan } from "../../components/plan";
import { Stack } from "@pulumi/pulumi/automation";
import { marathonAppsInState } from "../../scripts/release";
import {
  ServiceHealthEntry,
  taskRolloutGoals,
  taskRolloutProgress,
  waitTaskRollout,
} from "../../scripts/marathon-rollout";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
const NEW = "registry.example.org/lhcb-platform/dirac:9.1.22-1.0.1@sha256:" + "a".repeat(64);
const OLD = "registry.example.org/lhcb-platform/dirac:9.1.22-1.0.0@sha256:" + "b".repeat(64);

/** A health entry of a task (on a registrar's node) or an instance (on a pulumi-mode node). */
function entry(
  id: string,
  image: string,
  status = "passing",
  node = "cert-cert-slave-1-tasks",
  stack = "cert",
): ServiceHealthEntry {
  return {
    Node: { Node: node },
    Service: { ID: id, Meta: { image, stack } },
    Checks: [{ Status: status }],
  };
}

test("cert's release waits for each of its 16 marathon-mode services, at its instances, on its image, as its apps were submitted", () => {
  const goals = taskRolloutGoals(marathonAppsPlan(cert).map((a) => a.json));
  assert.equal(goals.length, 16);
  assert.deepEqual(
    goals.find((g) => g.key === "framework-monitoring"),
    {
      stack: "cert",
      key: "framework-monitoring",
      instances: 2,
      image: "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0",
    },
  );
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  assert.deepEqual(taskRolloutGoals(marathonAppsPlan(local).map((a) => a.json)), []);
});

test("the apps are read from the stack's state: MarathonApps' submissions, nothing else", async () => {
  const apps = marathonAppsPlan(cert).slice(0, 2);
  const urn = (parent: string, name: string) =>
    `urn:pulumi:cert::lhcb-platform::lhcb-platform:index:Platform$${parent}$command:local:Command::${name}`;
  const resources = [
    ...apps.map((a) => ({
      urn: urn("lhcb-platform:marathon:MarathonApps", `platform-marathon-apps-${a.key}`),
      type: "command:local:Command",
      inputs: { stdin: a.json },
    })),
    // A Chronos job is submitted the same way, and is no task of Marathon's.
    {
      urn: urn("lhcb-platform:chronos:ChronosJobs", "platform-chronos-jobs-x"),
      type: "command:local:Command",
      inputs: { stdin: "{}" },
    },
  ];
  const stack = { exportStack: () => Promise.resolve({ deployment: { resources } }) };
  const read = await marathonAppsInState(stack as unknown as Stack);
  assert.deepEqual(read, [apps[0].json, apps[1].json]);
  assert.deepEqual(
    taskRolloutGoals(read).map((g) => g.key),
    apps.map((a) => a.key),
  );
});

test("a service's progress counts the passing tasks on the registrars' nodes, on the new image and on another", () => {
  const goal = { stack: "cert", key: "framework-monitoring", instances: 2, image: NEW };
  assert.deepEqual(
    taskRolloutProgress(goal, [
      entry("t1", OLD),
      entry("t2", NEW),
      entry("t3", NEW, "critical"), // started, not yet passing in consul-esm's eyes
      entry("t4", OLD, "critical", "cert-cert-slave-3-tasks"), // on a lost host
      entry("i1", NEW, "passing", "cert-cert-slave-2-instances"), // not a Marathon task
      entry("p1", NEW, "passing", "prod-prod-slave-1-tasks", "prod"), // another stack's task
      entry("p2", OLD, "passing", "prod-prod-slave-2-tasks", "prod"),
    ]),
    { key: "framework-monitoring", onNew: 1, onOld: 1, done: false },
  );
  assert.deepEqual(taskRolloutProgress(goal, [entry("t2", NEW), entry("t3", NEW)]), {
    key: "framework-monitoring",
    onNew: 2,
    onOld: 0,
    done: true,
  });
  // One more than asked: Marathon is still scaling down.
  assert.equal(
    taskRolloutProgress(goal, [entry("t2", NEW), entry("t3", NEW), entry("t5", NEW)]).done,
    false,
  );
});

/** A Consul of the test's answering `/v1/health/service/<key>` from `stages`, one stage per ask. */
async function stagedConsul(stages: ServiceHealthEntry[][]) {
  let asked = 0;
  const tokens = new Set<string>();
  const server = createServer((req, res) => {
    tokens.add(String(req.headers["x-consul-token"]));
    assert.equal(req.url, "/v1/health/service/framework-monitoring");
    const stage = stages[Math.min(asked++, stages.length - 1)];
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(stage));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, tokens, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test("the wait follows an upgrade one task at a time, saying each step once, and ends when it is done", async () => {
  const consul = await stagedConsul([
    [entry("t1", OLD), entry("t2", OLD)],
    [entry("t1", OLD), entry("t2", OLD), entry("t3", NEW)],
    [entry("t1", OLD), entry("t2", OLD), entry("t3", NEW)],
    [entry("t2", OLD), entry("t3", NEW)],
    [entry("t2", OLD), entry("t3", NEW), entry("t4", NEW)],
    [entry("t3", NEW), entry("t4", NEW)],
  ]);
  const lines: string[] = [];
  try {
    await waitTaskRollout(
      consul.url,
      { token: "the-token" },
      [{ stack: "cert", key: "framework-monitoring", instances: 2, image: NEW }],
      (m) => lines.push(m),
      { timeoutS: 10, everyMs: 10 },
    );
  } finally {
    consul.server.close();
  }
  assert.deepEqual(lines, [
    "marathon: framework-monitoring: 0 of 2 on the new image, 2 on another",
    "marathon: framework-monitoring: 1 of 2 on the new image, 2 on another",
    "marathon: framework-monitoring: 1 of 2 on the new image, 1 on another",
    "marathon: framework-monitoring: 2 of 2 on the new image, 1 on another",
    "marathon: framework-monitoring: 2 of 2 on the new image",
  ]);
  assert.deepEqual([...consul.tokens], ["the-token"]);
});

test("an upgrade that does not end: the wait stops after its time, naming the service and how far it is", async () => {
  const consul = await stagedConsul([[entry("t1", OLD), entry("t3", NEW)]]);
  try {
    await assert.rejects(
      waitTaskRollout(
        consul.url,
        {},
        [{ stack: "cert", key: "framework-monitoring", instances: 2, image: NEW }],
        () => undefined,
        { timeoutS: 0.2, everyMs: 20 },
      ),
      {
        message:
          "Marathon's upgrade did not end within 0.2s, as Consul shows it: framework-monitoring: 1 of 2 on the new image, 1 on another",
      },
    );
  } finally {
    consul.server.close();
  }
});
