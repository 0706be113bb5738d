// Real Docker Engine test (no Pulumi): network, volume and a container from lhcb-platform/base:bookworm
// with uploaded files and a health check, through components/dynamic/docker-engine-api.ts.
//
// Needs a running dockerd on /var/run/docker.sock (scripts/docker/ensure-dockerd.sh) and the image
// (scripts/docker/build-images.sh). Fails — does not skip — when either is missing. Run:
//   node --import tsx --test test/dynamic/docker-engine-real.test.ts      (Node 20 or 22)
// DOCKER_HOST (unix:///… or tcp://host:port) selects another engine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import * as api from "../../components/dynamic/docker-engine-api";
import type { ContainerSpec } from "../../components/core/container-spec";

const DOCKER_HOST = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const IMAGE = "lhcb-platform/base:bookworm";
const RUN = `dynreal${process.pid}`;
const LABEL = `dyn-test.run=${RUN}`;

function docker(...args: string[]): string {
  const r = spawnSync("docker", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

after(() => {
  // Leave nothing behind even when an assertion failed half-way.
  for (const id of docker("ps", "-aq", "--filter", `label=${LABEL}`).split("\n").filter(Boolean)) docker("rm", "-f", id);
  spawnSync("docker", ["network", "rm", `${RUN}-net`]);
  spawnSync("docker", ["volume", "rm", `${RUN}-vol`]);
});

test("network, volume and container with files and a health check", async () => {
  const t0 = Date.now();
  const netId = await api.createNetwork(DOCKER_HOST, `${RUN}-net`, { "dyn-test.run": RUN });
  assert.equal((await api.inspectNetwork(DOCKER_HOST, `${RUN}-net`)).Id, netId);
  const vol = await api.createVolume(DOCKER_HOST, `${RUN}-vol`, { "dyn-test.run": RUN });
  assert.equal(vol.Name, `${RUN}-vol`);
  assert.equal(vol.Labels?.["dyn-test.run"], RUN);

  const spec: ContainerSpec = {
    name: `${RUN}-c`,
    image: IMAGE,
    command: ["sleep", "infinity"],
    env: { GREETING: "hello world" },
    labels: { "dyn-test.run": RUN, "platform.component": "test" },
    files: [
      { path: "/etc/dyn-test/app.conf", content: "key=value\n" },
      { path: "/usr/local/bin/dyn-check", content: "#!/bin/sh\ntest -f /etc/dyn-test/app.conf\n", executable: true },
      { path: "/tmp/dyn/note.txt", content: "in tmp\n" },
    ],
    volumes: [{ volume: `${RUN}-vol`, containerPath: "/data" }, { hostPath: "/etc/hostname", containerPath: "/host-hostname", readOnly: true }],
    healthcheck: { test: ["CMD", "/usr/local/bin/dyn-check"], intervalSeconds: 2, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 5 },
    restart: "unless-stopped",
    memoryMb: 128,
    cpus: 0.5,
    hostname: "dyn-host",
    user: "nobody",
    aliases: ["dyn-alias"],
    stopGraceSeconds: 3,
    waitHealthy: true,
  };
  const id = await api.createContainer(DOCKER_HOST, spec, `${RUN}-net`, { SECRET_TOKEN: "s3cr3t" });
  await api.uploadFiles(DOCKER_HOST, id, spec.files!);
  await api.startContainer(DOCKER_HOST, id);
  const c = await api.waitHealthy(DOCKER_HOST, id, 60_000);
  console.log(`create+upload+start+healthy: ${Date.now() - t0} ms`);
  assert.equal(c.State.Health?.Status, "healthy");

  assert.equal(docker("exec", spec.name, "cat", "/etc/dyn-test/app.conf"), "key=value");
  assert.equal(docker("exec", spec.name, "stat", "-c", "%a %U", "/etc/dyn-test/app.conf", "/usr/local/bin/dyn-check", "/etc/dyn-test"), "644 root\n755 root\n755 root");
  // Existing parents keep their mode: /tmp is still 1777, /etc 755.
  assert.equal(docker("exec", spec.name, "stat", "-c", "%a", "/tmp", "/etc"), "1777\n755");
  assert.equal(docker("exec", spec.name, "cat", "/tmp/dyn/note.txt"), "in tmp");
  assert.equal(docker("exec", spec.name, "hostname"), "dyn-host");
  assert.equal(docker("exec", spec.name, "id", "-un"), "nobody");
  assert.equal(docker("exec", spec.name, "sh", "-c", "echo $GREETING:$SECRET_TOKEN"), "hello world:s3cr3t");

  const i = await api.inspectContainer(DOCKER_HOST, id);
  assert.equal(i.Config.Labels?.["dyn-test.run"], RUN);
  assert.ok(i.Config.Env?.includes("GREETING=hello world"));
  assert.deepEqual(i.HostConfig.RestartPolicy, { Name: "unless-stopped", MaximumRetryCount: 0 });
  assert.equal(i.HostConfig.Memory, 128 * 1024 * 1024);
  assert.equal(i.HostConfig.NanoCpus, 500_000_000);
  assert.deepEqual(i.HostConfig.Binds, [`${RUN}-vol:/data`, "/etc/hostname:/host-hostname:ro"]);
  assert.equal(i.HostConfig.NetworkMode, `${RUN}-net`);
  const ep = i.NetworkSettings.Networks?.[`${RUN}-net`];
  assert.ok(ep?.IPAddress, "has an address on the network");
  assert.ok(ep?.Aliases?.includes("dyn-alias"));
  assert.equal(JSON.parse(docker("inspect", "-f", "{{json .Config.StopTimeout}}", id)), 3);

  // A second create with the same name replaces the leftover.
  const id2 = await api.createContainer(DOCKER_HOST, { ...spec, files: [] }, `${RUN}-net`);
  assert.notEqual(id2, id);
  await assert.rejects(api.inspectContainer(DOCKER_HOST, id), /HTTP 404/);

  const t1 = Date.now();
  await api.stopContainer(DOCKER_HOST, id2, 3);
  await api.removeContainer(DOCKER_HOST, id2, true);
  await api.removeContainer(DOCKER_HOST, id2, true, true); // already gone: fine
  await api.removeNetwork(DOCKER_HOST, `${RUN}-net`);
  await api.removeVolume(DOCKER_HOST, `${RUN}-vol`);
  console.log(`stop+remove all: ${Date.now() - t1} ms`);
  assert.equal(docker("ps", "-aq", "--filter", `label=${LABEL}`), "");
  assert.equal(docker("network", "ls", "-q", "--filter", `label=${LABEL}`), "");
  assert.equal(docker("volume", "ls", "-q", "--filter", `label=${LABEL}`), "");
});

test("missing image: clear error, nothing pulled", async () => {
  await assert.rejects(
    api.createContainer(DOCKER_HOST, { name: `${RUN}-missing`, image: "lhcb-platform/does-not-exist:0", restart: "no" }),
    /image lhcb-platform\/does-not-exist:0 is not present in the Docker Engine/,
  );
});

test("a container that stays unhealthy: waitHealthy fails at its deadline with the last check output", async () => {
  const spec: ContainerSpec = {
    name: `${RUN}-sick`,
    image: IMAGE,
    command: ["sleep", "infinity"],
    labels: { "dyn-test.run": RUN },
    healthcheck: { test: ["CMD-SHELL", "echo not-ready-yet; exit 1"], intervalSeconds: 0.5, timeoutSeconds: 1, retries: 2, startPeriodSeconds: 0 },
    restart: "no",
  };
  const id = await api.createContainer(DOCKER_HOST, spec);
  await api.startContainer(DOCKER_HOST, id);
  // "unhealthy" is not final (a loaded host recovers), so the wait lasts until its deadline.
  const t0 = Date.now();
  await assert.rejects(api.waitHealthy(DOCKER_HOST, id, 5_000), /is unhealthy, not healthy within 5 s; last check \(exit 1\): not-ready-yet/);
  assert.ok(Date.now() - t0 >= 5_000);
  await api.removeContainer(DOCKER_HOST, id, true);
});

test("waitHealthy with the check as a probe: healthy as soon as the test passes, before Docker's first check", async () => {
  const spec: ContainerSpec = {
    name: `${RUN}-probed`,
    image: IMAGE,
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep infinity"],
    labels: { "dyn-test.run": RUN },
    // Docker's own first check comes only after 60 s.
    healthcheck: { test: ["CMD-SHELL", "test -e /tmp/ready"], intervalSeconds: 60, timeoutSeconds: 2, retries: 1, startPeriodSeconds: 0 },
    restart: "no",
  };
  const id = await api.createContainer(DOCKER_HOST, spec);
  await api.startContainer(DOCKER_HOST, id);
  const c = await api.waitHealthy(DOCKER_HOST, id, 30_000, 100, { test: spec.healthcheck!.test, timeoutSeconds: 2 });
  assert.equal(c.State.Running, true);
  assert.equal(c.State.Health?.Status, "starting");
  assert.equal(docker("exec", id, "sh", "-c", "test -e /tmp/ready && echo ready"), "ready");
  assert.equal(await api.execExitCode(DOCKER_HOST, id, ["sh", "-c", "exit 3"], 5_000), 3);
  await api.removeContainer(DOCKER_HOST, id, true);
});
