// The Docker API proxies for real, on this machine's Engine: each runs as the plan declares it
// (the balancers' HAProxy image, root without capabilities), and through its socket a part may make
// the read-only calls it needs and nothing else (no container made, no file read out of one, no
// command run in one). cAdvisor, started from the plan beside its proxy, measures the Engine's
// containers through it, and the proxy refused none of its calls.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ContainerSpec } from "../../components/core/container-spec";
import { PORTS } from "../../components/core/endpoints";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { DockerApiClient } from "../../components/hosts/docker-api-proxy";
import { cadvisorArgs } from "../../components/metrics/cadvisor";
import { plannedContainers } from "../../components/plan";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { runPlanned } from "../support/run-planned";

const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
const spec = {
  ...local,
  stack: `dapi${process.pid}`,
  features: { ...local.features, logging: true, metrics: true },
};
const slave = spec.slaves[0].id;
const planned = plannedContainers(spec).filter((p) => p.hostId === slave);
const part = (component: string) =>
  planned.find((p) => p.container.labels?.["platform.component"] === component)!.container;
/** The proxies as planned: cAdvisor's serves cAdvisor alone, so that its log holds cAdvisor's calls only. */
const proxies: Record<DockerApiClient, ContainerSpec> = {
  cadvisor: part("cadvisor-docker-api"),
  filebeat: part("filebeat-docker-api"),
};
/** A second proxy of each part, the same but its name and folder, for the calls of the first test. */
const asked = (c: ContainerSpec): ContainerSpec => ({
  ...c,
  name: `${c.name}-asked`,
  volumes: c.volumes!.map((v) =>
    v.containerPath === "/run/docker-api" ? { ...v, hostPath: `${v.hostPath}-asked` } : v,
  ),
});
const askedProxies: Record<DockerApiClient, ContainerSpec> = {
  cadvisor: asked(proxies.cadvisor),
  filebeat: asked(proxies.filebeat),
};
// On the machine's network, as on a real host's: its flags as planned there (the loopback only).
const cadvisor = { ...part("cadvisor"), command: cadvisorArgs(true) };
const dir = tempDir("docker-api-proxy-real-");
const started: string[] = [];

/** Runs a planned container, removed after the tests. */
function run(c: ContainerSpec, extra: string[] = []): void {
  started.push(c.name);
  runPlanned(c, dir, extra);
}

/** The host folder of a proxy's socket. */
const socketDir = (c: ContainerSpec) =>
  c.volumes!.find((v) => v.containerPath === "/run/docker-api")!.hostPath!;

/** A call through the second proxy of `client`: its HTTP status (curl's `%{http_code}`; 000 for none). */
function call(client: DockerApiClient, method: string, path: string, seconds = 5): string {
  const out = spawnSync(
    "curl",
    [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-m",
      String(seconds),
      ...(method === "HEAD" ? ["-I"] : ["-X", method]),
      "--unix-socket",
      join(socketDir(askedProxies[client]), "docker.sock"),
      `http://engine${path}`,
    ],
    { encoding: "utf8" },
  );
  return out.stdout;
}

before(async () => {
  for (const c of [...Object.values(proxies), ...Object.values(askedProxies)]) run(c);
  // cAdvisor on the machine's network, its port published by it alone.
  run(cadvisor, ["--network", "host"]);
  const until = Date.now() + 20_000;
  while (
    call("cadvisor", "GET", "/_ping") !== "200" ||
    call("filebeat", "GET", "/_ping") !== "200"
  ) {
    assert.ok(Date.now() < until, "the proxies answer /_ping within 20 s");
    await new Promise((r) => setTimeout(r, 200));
  }
});

after(() => {
  for (const name of started) spawnSync("docker", ["rm", "-f", "-v", name]);
  for (const c of [...Object.values(proxies), ...Object.values(askedProxies)])
    rmSync(socketDir(c), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

test("each proxy passes the read-only calls of its part, and refuses the rest with 403", () => {
  const id = proxies.cadvisor.name;
  const both = (method: string, path: string) => [
    call("cadvisor", method, path),
    call("filebeat", method, path),
  ];
  // What both parts call (their clients ping and ask the version and info first).
  assert.deepEqual(both("GET", "/_ping"), ["200", "200"]);
  assert.deepEqual(both("HEAD", "/_ping"), ["200", "200"]);
  assert.deepEqual(both("GET", "/v1.41/version"), ["200", "200"]);
  assert.deepEqual(both("GET", "/v1.41/containers/json?all=1"), ["200", "200"]);
  assert.deepEqual(both("GET", "/v1.41/info"), ["200", "200"]);
  assert.deepEqual(both("GET", `/v1.41/containers/${id}/json`), ["200", "200"]);
  // Filebeat's alone: the event stream (cut by curl after 1 s: its status came first).
  assert.equal(call("filebeat", "GET", "/v1.41/events", 1), "200");
  assert.equal(call("cadvisor", "GET", "/v1.41/events", 1), "403");
  // Nothing that makes, changes, reads into or runs in a container; no other method.
  for (const [method, path] of [
    ["POST", "/v1.41/containers/create"],
    ["POST", `/v1.41/containers/${id}/exec`],
    ["POST", `/v1.41/containers/${id}/stop`],
    ["DELETE", `/v1.41/containers/${id}`],
    ["GET", `/v1.41/containers/${id}/archive?path=/etc`],
    ["GET", `/v1.41/containers/${id}/export`],
    ["GET", `/v1.41/containers/${id}/logs?stdout=1`],
    ["GET", "/v1.41/images/json"],
    ["GET", "/v1.41/secrets"],
    ["POST", "/v1.41/containers/json"],
    ["GET", "/v1.41/containers/json/../create"],
  ])
    assert.deepEqual(both(method, path), ["403", "403"], `${method} ${path}`);
});

test("cAdvisor measures the Engine's containers through its proxy, which refused none of its calls", async () => {
  const url = `http://127.0.0.1:${PORTS.cadvisor}/api/v1.3/docker/`;
  const until = Date.now() + 60_000;
  let names: string[] = [];
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (r.ok)
        names = Object.values((await r.json()) as Record<string, { aliases?: string[] }>).flatMap(
          (c) => c.aliases ?? [],
        );
    } catch {
      names = [];
    }
    if (names.includes(proxies.filebeat.name)) break;
    assert.ok(
      Date.now() < until,
      `cAdvisor lists no ${proxies.filebeat.name} after 60 s: ${names.join(", ")}`,
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
  const log = docker("logs", proxies.cadvisor.name).split("\n");
  // Its calls are there (it inspected the containers it measures), and none was refused.
  assert.ok(
    log.some((l) => / 200 .*"GET (\/v[0-9.]+)?\/containers\/[^/ ]+\/json HTTP/.test(l)),
    log.join("\n"),
  );
  assert.deepEqual(
    log.filter((l) => / 403 /.test(l)),
    [],
  );
  // On the host's network it listens on the loopback alone: its API names every container.
  const listening = spawnSync("ss", ["-lntH", `sport = :${PORTS.cadvisor}`], { encoding: "utf8" });
  assert.deepEqual(
    listening.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/)[3]),
    [`127.0.0.1:${PORTS.cadvisor}`],
  );
});
