// The task registrar (images/service/platform-registrar.py) against a real Consul with ACLs on
// (the local stack's image, lhcb-platform/consul:1.16.6, in dev mode) and a Mesos agent of the
// test's: an HTTP server that asks for basic authentication and answers `/state` in Mesos 1.7.1's
// JSON (src/common/http.cpp, `json(JSON::ObjectWriter*, const Task&)`; src/slave/http.cpp, the
// executors' `tasks`). The registrar runs with what cert plans for one of its slaves: its file
// (`registrarConfig`) and a token of the registrars' policy (`registrarRules`), nothing more.
// Each test uses its own slave, so its own Consul node.
import assert from "node:assert/strict";
import { ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { registrarRules } from "../../components/consul/consul-acl-plan";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { haproxyTemplate } from "../../components/haproxy/lb-containers";
import {
  marathonServices,
  registrarConfig,
  REGISTRAR_INTERVAL_SECONDS,
  taskNodeName,
} from "../../components/marathon/task-registrar";
import { waitTaskRollout } from "../../scripts/marathon-rollout";
import { tempDir } from "../../scripts/temp-dir";

const IMAGE = "lhcb-platform/consul:1.16.6";
/** The platform image, whose consul-template renders the balancers' template. */
const SERVICE_IMAGE = "lhcb-platform/service:1.0.0";
const ROOT = join(__dirname, "..", "..");
const PROGRAM = join(ROOT, "images", "service", "platform-registrar.py");
const hasImage = [IMAGE, SERVICE_IMAGE].every(
  (image) => spawnSync("docker", ["image", "inspect", image], { encoding: "utf8" }).status === 0,
);
const skip = hasImage ? false : `no ${IMAGE} or ${SERVICE_IMAGE}: run npm run up first`;

const cert = loadPlatformFromStackFile(ROOT, "cert");
/** A fifth slave of cert's kind, whose node only the upgrade's test uses. */
const UPGRADED = { ...cert.slaves[0], id: "cert-slave-5", address: "lbcertvobox05.cern.ch" };
const MANAGEMENT = randomUUID();
const AGENT_CREDENTIALS = "platform-admin:agent-secret-1";
const CONTAINER = `task-registrar-test-${process.pid}`;
let consulUrl = "";
let registrarToken = "";

/** A Consul HTTP API call with the management token; the parsed answer. */
async function consul(method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(consulUrl + path, {
    method,
    headers: { "X-Consul-Token": MANAGEMENT },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text === "" ? null : JSON.parse(text);
}

before(async () => {
  if (!hasImage) return;
  const acl = `acl {\n enabled = true\n default_policy = "deny"\n tokens {\n initial_management = "${MANAGEMENT}"\n }\n}`;
  const run = spawnSync(
    "docker",
    ["run", "-d", "--rm", "--name", CONTAINER, "-p", "127.0.0.1::8500"].concat([
      "--entrypoint",
      "consul",
      IMAGE,
      "agent",
      "-dev",
      "-client",
      "0.0.0.0",
      "-hcl",
      acl,
    ]),
    { encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  const port = spawnSync("docker", ["port", CONTAINER, "8500/tcp"], { encoding: "utf8" });
  consulUrl = `http://${port.stdout.trim().split("\n")[0]}`;
  for (let i = 0; ; i++) {
    const leader = await fetch(`${consulUrl}/v1/status/leader`).then(
      (r) => r.text(),
      () => "",
    );
    if (leader.length > 2) break;
    assert.ok(i < 150, "Consul elected no leader in 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  // The registrars' policy as cert plans it: every slave's node, the marathon-mode services.
  const rules = registrarRules(
    [...cert.slaves, UPGRADED].map((h) => taskNodeName(cert, h.id)),
    marathonServices(cert).map((s) => s.key),
  );
  await consul("PUT", "/v1/acl/policy", { Name: "cert-task-registrar", Rules: rules });
  const token = (await consul("PUT", "/v1/acl/token", {
    Policies: [{ Name: "cert-task-registrar" }],
  })) as { SecretID: string };
  registrarToken = token.SecretID;
});

after(() => {
  if (hasImage) spawnSync("docker", ["rm", "-f", CONTAINER], { encoding: "utf8" });
});

/** A task as a Mesos 1.7.1 agent shows it, launched by Marathon with the Docker containerizer. */
function task(
  key: string,
  n: number,
  state: string,
  healthy: boolean | undefined,
  ports: [containerPort: number, hostPort: number][],
  stack = "cert",
  image = "lhcb-platform/service:1.0.0",
) {
  const id = `${stack}_${key}.instance-0000000${n}-7d4f-11ef-9b7c-0242ac110002._app.1`;
  const status = {
    state: "TASK_RUNNING",
    timestamp: 1764950000.5 + n,
    ...(healthy === undefined ? {} : { healthy }),
    container_status: { network_infos: [{ ip_addresses: [{ ip_address: "172.17.0.5" }] }] },
  };
  return {
    id,
    name: key,
    framework_id: "9a3c-framework-0001",
    executor_id: "",
    slave_id: "9a3c-agent-S1",
    state,
    resources: {
      cpus: 0.25,
      disk: 0,
      gpus: 0,
      mem: 256,
      ports: `[${ports.map(([, h]) => `${h}-${h}`).join(", ")}]`,
    },
    role: "*",
    statuses: [{ ...status, healthy: undefined, state: "TASK_STARTING" }, status],
    labels: [
      { key: "platform.stack", value: stack },
      { key: "platform.service", value: key },
    ],
    discovery: {
      visibility: "FRAMEWORK",
      name: key,
      ports: {
        ports: ports.map(([, h], i) => ({
          number: h,
          name: i ? `${key}-check` : key,
          protocol: "tcp",
        })),
      },
    },
    container: {
      type: "DOCKER",
      docker: {
        image,
        network: "BRIDGE",
        port_mappings: ports.map(([c, h]) => ({
          host_port: h,
          container_port: c,
          protocol: "tcp",
        })),
        privileged: false,
        force_pull_image: false,
      },
    },
  };
}

type Task = ReturnType<typeof task>;

/** A Mesos agent of the test's: `/state` with `tasks`, for those who give its credentials. */
async function fakeAgent(tasks: Task[]): Promise<{ url: string; tasks: Task[]; server: Server }> {
  const expected = `Basic ${Buffer.from(AGENT_CREDENTIALS).toString("base64")}`;
  const agent = { tasks, url: "", server: createServer() };
  agent.server.on("request", (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="mesos"' }).end();
      return;
    }
    if (req.url !== "/state") return void res.writeHead(404).end();
    const executors = agent.tasks.map((t) => ({
      id: t.id,
      tasks: [t],
      queued_tasks: [],
      completed_tasks: [],
    }));
    const frameworks = [{ id: "9a3c-framework-0001", name: "cert-marathon", executors }];
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ id: "9a3c-agent-S1", frameworks, completed_frameworks: [] }));
  });
  await new Promise<void>((r) => agent.server.listen(0, "127.0.0.1", r));
  agent.url = `http://127.0.0.1:${(agent.server.address() as AddressInfo).port}`;
  return agent;
}

/** The registrar's files and environment, as the slave `hostId` of cert gets them. */
function registrarEnv(
  hostId: string,
  agentUrl: string,
  over: { credentials?: string; token?: string } = {},
) {
  const dir = tempDir("task-registrar-");
  const host = [...cert.slaves, UPGRADED].find((h) => h.id === hostId)!;
  writeFileSync(join(dir, "registrar.json"), JSON.stringify(registrarConfig(cert, host)));
  writeFileSync(join(dir, "http-credentials"), over.credentials ?? AGENT_CREDENTIALS);
  writeFileSync(join(dir, "consul-token"), over.token ?? registrarToken);
  return {
    ...process.env,
    PYTHONPATH: join(ROOT, "images", "shared"),
    PYTHONDONTWRITEBYTECODE: "1",
    MESOS_AGENT_URL: agentUrl,
    MESOS_CREDENTIALS_FILE: join(dir, "http-credentials"),
    CONSUL_HTTP_ADDR: consulUrl,
    CONSUL_HTTP_TOKEN_FILE: join(dir, "consul-token"),
    REGISTRAR_CONFIG: join(dir, "registrar.json"),
    REGISTRAR_INTERVAL: String(REGISTRAR_INTERVAL_SECONDS),
    REGISTRAR_MARK: join(dir, "synced"),
  };
}

/** One pass (`platform-registrar once`): its exit status and what it logged. */
function once(env: NodeJS.ProcessEnv): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    execFile("python3", [PROGRAM, "once"], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, log: stdout + stderr });
    });
  });
}

interface CatalogService {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
}
interface Check {
  CheckID: string;
  Name: string;
  Status: string;
  ServiceID: string;
  Definition: Record<string, unknown>;
}

/**
 * cert's balancer template (`haproxyTemplate`) rendered once by the real consul-template (the
 * platform image's) from the test's Consul: its `server` lines, trimmed.
 */
function balancerServerLines(): string[] {
  const dir = tempDir("task-registrar-template-");
  writeFileSync(join(dir, "haproxy.cfg.ctmpl"), haproxyTemplate(cert));
  const r = spawnSync(
    "docker",
    ["run", "--rm", "--network", "host", "--user", "0:0", "-v", `${dir}:/w`]
      .concat(["--entrypoint", "consul-template"])
      .concat([SERVICE_IMAGE, "-consul-addr", consulUrl.replace("http://", "")])
      .concat([
        "-consul-token",
        MANAGEMENT,
        "-template",
        "/w/haproxy.cfg.ctmpl:/w/haproxy.cfg",
        "-once",
      ]),
    { encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(join(dir, "haproxy.cfg"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("server "));
}

/** The registrar's node: its address and meta, its services by id, its checks by id. */
async function nodeOf(hostId: string) {
  const node = taskNodeName(cert, hostId);
  const catalog = (await consul("GET", `/v1/catalog/node/${node}`)) as {
    Node: { Address: string; Meta: Record<string, string> };
    Services: Record<string, CatalogService>;
  } | null;
  const checks = (await consul("GET", `/v1/health/node/${node}`)) as Check[];
  return { catalog, checks: Object.fromEntries(checks.map((c) => [c.CheckID, c])) };
}

const HTTP = "framework-monitoring"; // an HTTP check on /ping, port 9142
const TCP = "datamanagement-storageelement"; // a TCP check, port 9148
const COMMAND = "datamanagement-filecatalog"; // a command check: its HTTP bridge on 19197
const UPGRADE = "framework-systemadministrator"; // 2 instances on 9162, upgraded by one test alone

test(
  "a pass registers each running, healthy task of cert's marathon-mode services at its host port, with its service's check; nothing else",
  { skip },
  async () => {
    const hostId = "cert-slave-1";
    const address = "lbcertvobox01.cern.ch";
    const port = (key: string) => marathonServices(cert).find((s) => s.key === key)!.port;
    assert.deepEqual([port(HTTP), port(TCP), port(COMMAND)], [9142, 9148, 9197]);
    const tasks = [
      task(HTTP, 1, "TASK_RUNNING", true, [[9142, 31001]]),
      task(TCP, 2, "TASK_RUNNING", true, [[9148, 31002]]),
      task(COMMAND, 3, "TASK_RUNNING", true, [
        [9197, 31003],
        [19197, 31004],
      ]),
      // Not registered: not yet checked, failing its check, being killed, another stack's.
      task(HTTP, 4, "TASK_RUNNING", undefined, [[9142, 31005]]),
      task(HTTP, 5, "TASK_RUNNING", false, [[9142, 31006]]),
      task(TCP, 6, "TASK_KILLING", true, [[9148, 31007]]),
      task(HTTP, 7, "TASK_RUNNING", true, [[9142, 31008]], "prod"),
    ];
    const agent = await fakeAgent(tasks);
    try {
      const r = await once(registrarEnv(hostId, agent.url));
      assert.equal(r.code, 0, r.log);
      const { catalog, checks } = await nodeOf(hostId);
      assert.ok(catalog);
      assert.equal(catalog.Node.Address, address);
      assert.deepEqual(catalog.Node.Meta, {
        "external-node": "true",
        "external-probe": "false",
        stack: "cert",
      });
      const meta = (t: Task, key: string) => ({
        catalog_name: marathonServices(cert).find((s) => s.key === key)!.name,
        stack: "cert",
        host: hostId,
        task_id: t.id,
        registered_by: "platform-registrar",
        // The image the task runs: the release waits for every task on the new one.
        image: "lhcb-platform/service:1.0.0",
      });
      const at = (t: Task, key: string, tags: string[], hostPort: number): CatalogService => ({
        ID: t.id,
        Service: key,
        Tags: tags,
        Address: address,
        Port: hostPort,
        Meta: meta(t, key),
      });
      const pick = (s: CatalogService) => ({
        ID: s.ID,
        Service: s.Service,
        Tags: s.Tags,
        Address: s.Address,
        Port: s.Port,
        Meta: s.Meta,
      });
      assert.deepEqual(
        Object.values(catalog.Services)
          .map(pick)
          .sort((a, b) => a.Port - b.Port),
        [
          {
            ...at(tasks[0], HTTP, ["cert", "http"], 31001),
            Meta: { ...meta(tasks[0], HTTP), check: `http://${address}:31001/ping 2s 2s` },
          },
          {
            ...at(tasks[1], TCP, ["cert", "tcp"], 31002),
            Meta: { ...meta(tasks[1], TCP), check: `${address}:31002 2s 2s` },
          },
          {
            ...at(tasks[2], COMMAND, ["cert", "tcp", "proxy-protocol"], 31003),
            // Its HTTP bridge's host port, which the balancers check it at.
            Meta: {
              ...meta(tasks[2], COMMAND),
              check_port: "31004",
              check: `http://${address}:31004/ping 2s 1s`,
            },
          },
        ],
      );
      const check = (
        t: Task,
        name: string,
        target: Record<string, string>,
        interval: string,
        timeout: string,
      ) => ({
        CheckID: `${t.id}:health`,
        Name: name,
        Status: "passing",
        ServiceID: t.id,
        Definition: {
          ...target,
          Interval: interval,
          Timeout: timeout,
          DeregisterCriticalServiceAfter: "30m0s",
        },
      });
      const pickCheck = (c: Check) => ({
        CheckID: c.CheckID,
        Name: c.Name,
        Status: c.Status,
        ServiceID: c.ServiceID,
        Definition: Object.fromEntries(
          ["HTTP", "TCP", "Interval", "Timeout", "DeregisterCriticalServiceAfter"]
            .filter((k) => c.Definition[k] !== undefined && c.Definition[k] !== "")
            .map((k) => [k, c.Definition[k]]),
        ),
      });
      assert.deepEqual(
        Object.values(checks)
          .map(pickCheck)
          .sort((a, b) => a.CheckID.localeCompare(b.CheckID)),
        [
          check(
            tasks[0],
            "Framework/Monitoring HTTP check",
            { HTTP: `http://${address}:31001/ping` },
            "2s",
            "2s",
          ),
          check(
            tasks[1],
            "DataManagement/StorageElement TCP check",
            { TCP: `${address}:31002` },
            "2s",
            "2s",
          ),
          check(
            tasks[2],
            "DataManagement/FileCatalog ping (platform-service ping) via HTTP bridge",
            { HTTP: `http://${address}:31004/ping` },
            "2s",
            "1s",
          ),
        ].sort((a, b) => a.CheckID.localeCompare(b.CheckID)),
      );
      assert.match(
        r.log,
        new RegExp(
          `registered ${tasks[0].id.replace(/\./g, "\\.")} \\(${HTTP}\\) at ${address}:31001`,
        ),
      );
      // The balancers' own template, rendered by consul-template from these registrations: each
      // task a checked server at its host port, the command-checked one checked at its bridge's.
      const servers = balancerServerLines();
      for (const [t, hostPort] of [
        [tasks[0], 31001],
        [tasks[1], 31002],
        [tasks[2], 31003],
      ] as const)
        assert.ok(
          servers.some((l) => l.startsWith(`server ${t.id} ${address}:${hostPort} check `)),
          `${t.id} in:\n${servers.join("\n")}`,
        );
      const bridged = servers.find((l) => l.startsWith(`server ${tasks[2].id} `))!;
      assert.match(bridged, / send-proxy-v2 port 31004$/);
    } finally {
      agent.server.close();
    }
  },
);

test(
  "a killed task leaves at the next pass, a newly healthy one comes, and the others keep their check's status",
  { skip },
  async () => {
    const hostId = "cert-slave-2";
    const tasks = [
      task(HTTP, 1, "TASK_RUNNING", true, [[9142, 31011]]),
      task(HTTP, 2, "TASK_RUNNING", true, [[9142, 31012]]),
      task(TCP, 3, "TASK_RUNNING", undefined, [[9148, 31013]]),
    ];
    const agent = await fakeAgent(tasks);
    try {
      const env = registrarEnv(hostId, agent.url);
      assert.equal((await once(env)).code, 0);
      // consul-esm found the second instance failing: its check is critical.
      const node = taskNodeName(cert, hostId);
      const failing = (await nodeOf(hostId)).checks[`${tasks[1].id}:health`];
      await consul("PUT", "/v1/catalog/register", {
        Node: node,
        Address: "lbcertvobox02.cern.ch",
        SkipNodeUpdate: true,
        Check: { ...failing, Node: node, Status: "critical", Output: "connection refused" },
      });
      // Marathon's rolling upgrade kills the first; the third passes its first check.
      agent.tasks = [
        { ...tasks[0], state: "TASK_KILLING" },
        tasks[1],
        task(TCP, 3, "TASK_RUNNING", true, [[9148, 31013]]),
      ];
      const r = await once(env);
      assert.equal(r.code, 0, r.log);
      const { catalog, checks } = await nodeOf(hostId);
      assert.deepEqual(Object.keys(catalog!.Services).sort(), [tasks[1].id, tasks[2].id].sort());
      assert.equal(checks[`${tasks[1].id}:health`].Status, "critical", "not registered again");
      assert.equal(checks[`${tasks[2].id}:health`].Status, "passing");
      assert.equal(checks[`${tasks[0].id}:health`], undefined, "its check went with it");
      assert.match(
        r.log,
        new RegExp(`deregistered ${tasks[0].id.replace(/\./g, "\\.")} \\(${HTTP}\\)`),
      );
      // Nothing of the agent's left: every registration goes, and the node stays (empty).
      agent.tasks = [];
      assert.equal((await once(env)).code, 0);
      assert.deepEqual((await nodeOf(hostId)).catalog!.Services, {});
    } finally {
      agent.server.close();
    }
  },
);

test(
  "wrong agent credentials or a token without the registrars' policy: the pass fails, says why, and changes nothing",
  { skip },
  async () => {
    const hostId = "cert-slave-3";
    const agent = await fakeAgent([task(HTTP, 1, "TASK_RUNNING", true, [[9142, 31021]])]);
    try {
      const badAgent = await once(
        registrarEnv(hostId, agent.url, { credentials: "platform-admin:wrong" }),
      );
      assert.equal(badAgent.code, 1);
      assert.match(badAgent.log, new RegExp(`no pass: ${agent.url}/state answered HTTP 401`));
      const other = (await consul("PUT", "/v1/acl/token", {
        ServiceIdentities: [{ ServiceName: "someone-else" }],
      })) as { SecretID: string };
      const badToken = await once(registrarEnv(hostId, agent.url, { token: other.SecretID }));
      assert.equal(badToken.code, 1);
      assert.match(
        badToken.log,
        /could not register cert_framework-monitoring\.\S+: .*\/v1\/catalog\/register answered HTTP 403 Permission denied/,
      );
      assert.equal((await nodeOf(hostId)).catalog, null, "no node, no registration");
    } finally {
      agent.server.close();
    }
  },
);

test(
  "running: a task killed while the registrar runs leaves within two of its intervals; SIGTERM stops it and the registrations stay",
  { skip },
  async () => {
    const hostId = "cert-slave-4";
    const tasks = [
      task(HTTP, 1, "TASK_RUNNING", true, [[9142, 31031]]),
      task(HTTP, 2, "TASK_RUNNING", true, [[9142, 31032]]),
    ];
    const agent = await fakeAgent(tasks);
    let child: ChildProcess | undefined;
    try {
      child = spawn("python3", [PROGRAM, "run"], {
        env: registrarEnv(hostId, agent.url),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let log = "";
      child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
      const ids = async () => Object.keys((await nodeOf(hostId)).catalog?.Services ?? {}).sort();
      const until = async (what: () => Promise<boolean>, seconds: number, why: string) => {
        const deadline = Date.now() + seconds * 1000;
        while (!(await what())) {
          assert.ok(Date.now() < deadline, `${why}; the registrar said:\n${log}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        return Date.now();
      };
      await until(async () => (await ids()).length === 2, 10, "both registered");
      const killed = Date.now();
      agent.tasks = [{ ...tasks[0], state: "TASK_KILLED" }, tasks[1]];
      const gone = await until(
        async () => !(await ids()).includes(tasks[0].id),
        2 * REGISTRAR_INTERVAL_SECONDS + 1,
        "the killed task deregistered within two intervals",
      );
      assert.ok(gone - killed <= (2 * REGISTRAR_INTERVAL_SECONDS + 1) * 1000);
      const exited = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      assert.deepEqual(await ids(), [tasks[1].id]);
      assert.match(
        log,
        new RegExp(
          `registering ${agent.url}'s tasks of 16 services on node cert-cert-slave-4-tasks every 2s`,
        ),
      );
    } finally {
      child?.kill("SIGKILL");
      agent.server.close();
    }
  },
);

test(
  "a rolling upgrade as Marathon makes it, one task at a time: the release's wait follows it through the registrar and Consul, and ends with both instances on the new image",
  { skip },
  async () => {
    const OLD = "lhcb-platform/dirac:9.1.22-1.0.0";
    const NEW = "lhcb-platform/dirac:9.1.22-1.0.1";
    const at = (n: number, state: string, healthy: boolean | undefined, image: string) =>
      task(UPGRADE, n, state, healthy, [[9162, 31040 + n]], "cert", image);
    const agent = await fakeAgent([
      at(1, "TASK_RUNNING", true, OLD),
      at(2, "TASK_RUNNING", true, OLD),
    ]);
    const child = spawn("python3", [PROGRAM, "run"], {
      env: registrarEnv(UPGRADED.id, agent.url),
      stdio: "ignore",
    });
    const lines: string[] = [];
    try {
      // The release starts once the old tasks are in the catalog.
      const registered = async () =>
        Object.keys((await nodeOf(UPGRADED.id)).catalog?.Services ?? {}).length;
      for (let i = 0; (await registered()) < 2; i++) {
        assert.ok(i < 100, "the old tasks registered within 10 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      const waited = waitTaskRollout(
        consulUrl,
        { token: MANAGEMENT },
        [{ stack: "cert", key: UPGRADE, instances: 2, image: NEW }],
        (m) => lines.push(m),
        { timeoutS: 60, everyMs: 200 },
      );
      // Marathon's steps (minimumHealthCapacity 1, one extra task): start one new task, kill an
      // old one once the new one is healthy, and again; each step once the registrar has shown
      // the one before in Consul.
      const steps = [
        [
          at(1, "TASK_RUNNING", true, OLD),
          at(2, "TASK_RUNNING", true, OLD),
          at(3, "TASK_RUNNING", undefined, NEW),
        ],
        [
          at(1, "TASK_RUNNING", true, OLD),
          at(2, "TASK_RUNNING", true, OLD),
          at(3, "TASK_RUNNING", true, NEW),
        ],
        [
          at(1, "TASK_KILLING", true, OLD),
          at(2, "TASK_RUNNING", true, OLD),
          at(3, "TASK_RUNNING", true, NEW),
        ],
        [
          at(2, "TASK_RUNNING", true, OLD),
          at(3, "TASK_RUNNING", true, NEW),
          at(4, "TASK_RUNNING", true, NEW),
        ],
        [
          at(2, "TASK_KILLING", true, OLD),
          at(3, "TASK_RUNNING", true, NEW),
          at(4, "TASK_RUNNING", true, NEW),
        ],
        [at(3, "TASK_RUNNING", true, NEW), at(4, "TASK_RUNNING", true, NEW)],
      ];
      for (const step of steps) {
        await new Promise((r) => setTimeout(r, 2 * REGISTRAR_INTERVAL_SECONDS * 1000));
        agent.tasks = step;
      }
      await waited;
    } finally {
      child.kill("SIGKILL");
      agent.server.close();
    }
    assert.deepEqual(lines, [
      `marathon: ${UPGRADE}: 0 of 2 on the new image, 2 on another`,
      `marathon: ${UPGRADE}: 1 of 2 on the new image, 2 on another`,
      `marathon: ${UPGRADE}: 1 of 2 on the new image, 1 on another`,
      `marathon: ${UPGRADE}: 2 of 2 on the new image, 1 on another`,
      `marathon: ${UPGRADE}: 2 of 2 on the new image`,
    ]);
  },
);
