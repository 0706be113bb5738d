// Filebeat for real: the image built here (the version every stack names) runs the container the
// plan declares for a slave, with its rendered filebeat.yml, on this machine's Docker Engine. The
// platform's own service instances of that slave and of another one run beside it, and a
// Lumberjack receiver stands in for Logstash (which cannot run here) at the address the file
// names. Each instance of the slave must arrive under its service's name, with the stack and the
// host, as must a container started as Mesos starts a Marathon task (its own name, the app's
// labels only); nothing of the other slave, nor Filebeat's own lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ContainerSpec, entryLabelParameters } from "../../components/core/container-spec";
import { PORTS } from "../../components/core/endpoints";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { plannedContainers } from "../../components/plan";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { LumberjackReceiver, startLumberjackReceiver } from "../support/lumberjack-receiver";
import { tempDir } from "../../scripts/temp-dir";

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
const instancesOn = (host: string) =>
  planned
    .filter((p) => p.hostId === host && p.container.labels?.["platform.component"] === "service")
    .map((p) => p.container);

const dir = tempDir("filebeat-real-");
const started: string[] = [];
let receiver: LumberjackReceiver;

/**
 * `docker run -d` of a planned container: its hostname, labels, environment, user, files,
 * volumes, entrypoint and command.
 */
function run(c: ContainerSpec, extra: string[] = []): void {
  const args = ["run", "-d", "--name", c.name, ...extra];
  for (const [k, v] of Object.entries(c.labels ?? {})) args.push("--label", `${k}=${v}`);
  for (const [k, v] of Object.entries(c.env ?? {})) args.push("-e", `${k}=${v}`);
  if (c.hostname) args.push("--hostname", c.hostname);
  if (c.user) args.push("--user", c.user);
  for (const [i, f] of (c.files ?? []).entries()) {
    const path = join(dir, `${c.name}-${i}`);
    writeFileSync(path, f.content);
    args.push("-v", `${path}:${f.path}:ro`);
  }
  for (const v of c.volumes ?? [])
    args.push("-v", `${v.hostPath ?? v.volume}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
  started.push(c.name);
  docker(
    ...args,
    ...(c.entrypoint ? ["--entrypoint", c.entrypoint[0]] : []),
    c.image,
    ...(c.command ?? []),
  );
}

/** The last lines Filebeat logged, for a failure's message. */
function filebeatLog(): string {
  const r = spawnSync("docker", ["logs", "--tail", "60", filebeat.name], { encoding: "utf8" });
  return `${filebeat.name}'s last lines:\n${r.stdout}${r.stderr}`;
}

before(async () => {
  receiver = await startLumberjackReceiver("127.0.0.1", PORTS.logstashBeats);
  // Filebeat on the machine's network, the logging host's name given to the receiver's address.
  const logstash = `${spec.stack}-logstash-${spec.logging!.id}`;
  run(filebeat, ["--network", "host", "--add-host", `${logstash}:127.0.0.1`]);
});

after(async () => {
  for (const name of started) docker("rm", "-f", "-v", name);
  for (const v of docker("volume", "ls", "-q", "--filter", `name=${spec.stack}-`).split("\n"))
    if (v !== "") docker("volume", "rm", v);
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
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
  // Started after Filebeat: its Docker autodiscover has to find them as they come.
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
  // The other slave's Filebeat would ship those; this one never does, nor its own lines.
  await new Promise((r) => setTimeout(r, 3000));
  const names = new Set(receiver.events.map((e) => (e.container as { name?: string }).name));
  for (const c of theirs) assert.ok(!names.has(c.name), `${c.name} is not ${shipped}'s`);
  assert.ok(!names.has(filebeat.name));
  assert.deepEqual([...names].sort(), mine.map((c) => c.name).sort());
});
