// Filebeat for real: the image built here (the version every stack names) runs the container the
// plan declares for a slave, with its rendered filebeat.yml, on this machine's Docker Engine. The
// platform's own service instances of that slave and of another one run beside it, and a
// Lumberjack receiver stands in for Logstash (which cannot run here) at the address the file
// names. Each instance of the slave must arrive under its service's name, with the stack and the
// host, as must a container started as Mesos starts a Marathon task (its own name, the app's
// labels only); nothing of the other slave, nor Filebeat's own lines.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { ContainerSpec, entryLabelParameters } from "../../components/core/container-spec";
import { PORTS } from "../../components/core/endpoints";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { FILEBEAT_START_WINDOW_SECONDS } from "../../components/logging/logging-containers";
import { plannedContainers } from "../../components/plan";
import { containerLogs, docker, eventually } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { LumberjackReceiver, startLumberjackReceiver } from "../support/lumberjack-receiver";
import { tempDir } from "../../scripts/temp-dir";
import { runPlanned } from "../support/run-planned";

const FILEBEAT_IMAGE = "lhcb-platform/filebeat:7.17.28";
const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
const spec = {
  ...local,
  stack: `fbtest${process.pid}`,
  features: { ...local.features, logging: true },
  images: { ...local.images, filebeat: FILEBEAT_IMAGE },
};
const [shipped, other] = [spec.slaves[0].id, spec.slaves[1].id];
const planned = plannedContainers(spec);
const filebeat = planned.find(
  (p) => p.hostId === shipped && p.container.labels?.["platform.component"] === "filebeat",
)!.container;
// Filebeat reads the Engine through its Docker API proxy, which passes its calls only.
const proxy = planned.find(
  (p) =>
    p.hostId === shipped && p.container.labels?.["platform.component"] === "filebeat-docker-api",
)!.container;
const instancesOn = (host: string) =>
  planned
    .filter((p) => p.hostId === host && p.container.labels?.["platform.component"] === "service")
    .map((p) => p.container);

const dir = tempDir("filebeat-real-");
const started: string[] = [];
let receiver: LumberjackReceiver;

/** Runs a planned container, removed after the test. */
function run(c: ContainerSpec, extra: string[] = []): void {
  started.push(c.name);
  runPlanned(c, dir, extra);
}

/** The last lines Filebeat logged, for a failure's message. */
function filebeatLog(): string {
  return `${filebeat.name}'s last lines:\n${containerLogs(filebeat.name, "--tail", "60")}`;
}

before(async () => {
  receiver = await startLumberjackReceiver("127.0.0.1", PORTS.logstashBeats);
  // Filebeat on the machine's network, the logging host's name given to the receiver's address.
  const logstash = `${spec.stack}-logstash-${spec.logging!.id}`;
  run(proxy);
  run(filebeat, ["--network", "host", "--add-host", `${logstash}:127.0.0.1`]);
});

after(async () => {
  for (const name of started) docker("rm", "-f", "-v", name);
  for (const v of docker("volume", "ls", "-q", "--filter", `name=${spec.stack}-`).split("\n"))
    if (v !== "") docker("volume", "rm", v);
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  for (const v of proxy.volumes ?? [])
    if (v.hostPath?.startsWith("/run/lhcb-platform/"))
      rmSync(v.hostPath, { recursive: true, force: true });
});

/**
 * A container as Mesos starts one for a Marathon app of the catalog entry `c` runs: named by Mesos,
 * with only the labels the app gives it (`docker run --label`), no host label.
 */
function asMesosTask(c: ContainerSpec): ContainerSpec {
  const name = `mesos-${spec.stack}-${c.labels!["platform.service"]}`;
  const labels = entryLabelParameters(spec.stack, c.labels!["platform.service"]).map((p) => {
    const [k, v] = p.value.split("=");
    return [k, v];
  });
  const env = { ...c.env, ...(c.env?.SERVICE_INSTANCE ? { SERVICE_INSTANCE: name } : {}) };
  return { ...c, name, hostname: name, aliases: [name], env, labels: Object.fromEntries(labels) };
}

test("the slave's service instances, and a Mesos task's, arrive under their service's names, with the stack and the host; nothing of another slave or of Filebeat itself", async () => {
  // Started while Filebeat starts, as at a host's reboot: Filebeat 7.17 alone may never ship one
  // that starts between its listing of the containers and its following of the Engine's events;
  // its start script starts it again, and the new Filebeat lists them.
  const mine = [...instancesOn(shipped), asMesosTask(instancesOn(shipped)[0])];
  const theirs = instancesOn(other);
  assert.ok(mine.length >= 3 && theirs.length >= 1, "instances on both slaves");
  for (const c of [...mine, ...theirs]) run(c);
  const from = (c: ContainerSpec) =>
    receiver.events.filter((e) => (e.container as { name?: string } | undefined)?.name === c.name);
  // Each instance's start line, which names it.
  const started = (c: ContainerSpec) =>
    from(c).some((e) => String(e.message).includes(`instance ${c.name}`));
  const until = Date.now() + 90_000;
  while (!mine.every(started)) {
    if (Date.now() >= until) console.error(filebeatLog());
    const missing = mine.filter((c) => !started(c)).map((c) => c.name);
    const seen = receiver.events.map((e) => String(e.message)).slice(-5);
    assert.ok(
      Date.now() < until,
      `after 90 s, no start line from ${missing.join(", ")}; ${receiver.events.length} events in all, the last: ${seen.join(" | ")}`,
    );
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const c of mine) {
    const service = c.labels!["platform.service"];
    for (const e of from(c))
      assert.deepEqual(e.fields, { service, stack: spec.stack, host: shipped }, c.name);
  }
  // The start script saw the first of them start in its window, and none of the other slave's,
  // and started Filebeat again.
  const again = await eventually(
    "the start script's line",
    FILEBEAT_START_WINDOW_SECONDS + 20,
    async () =>
      containerLogs(filebeat.name)
        .split("\n")
        .find((l) => l.startsWith("filebeat-start: ")),
    500,
  ).catch((e: Error) => assert.fail(`${e.message}\n${filebeatLog()}`));
  assert.match(
    again,
    new RegExp(
      `^filebeat-start: .*\\b${mine[0].name}\\b.* started while Filebeat started; starting it again`,
    ),
  );
  for (const c of theirs) assert.ok(!again.includes(c.name), again);
  // The other slave's Filebeat would ship those; this one never does, nor its own lines, also
  // once started again.
  await new Promise((r) => setTimeout(r, 3000));
  const names = new Set(receiver.events.map((e) => (e.container as { name?: string }).name));
  for (const c of theirs) assert.ok(!names.has(c.name), `${c.name} is not ${shipped}'s`);
  assert.ok(!names.has(filebeat.name));
  assert.deepEqual([...names].sort(), mine.map((c) => c.name).sort());
  // Every call Filebeat made passed the proxy: none was refused.
  const log = docker("logs", proxy.name).split("\n");
  assert.ok(
    log.some((l) => / 200 .*"GET (\/v[0-9.]+)?\/containers\/json/.test(l)),
    log.join("\n"),
  );
  assert.deepEqual(
    log.filter((l) => / 403 /.test(l)),
    [],
  );
  // docker stop reaches Filebeat through its start script: it ends by itself, well within its grace.
  const begun = Date.now();
  docker("stop", filebeat.name);
  const took = (Date.now() - begun) / 1000;
  console.log(`filebeat-real: ${again}; docker stop took ${took.toFixed(2)} s`);
  assert.equal(docker("inspect", "-f", "{{.State.ExitCode}}", filebeat.name), "0", filebeatLog());
  assert.ok(took < (filebeat.stopGraceSeconds ?? 10) / 2, `docker stop took ${took} s`);
});
