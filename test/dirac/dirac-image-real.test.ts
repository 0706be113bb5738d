// The DIRAC image (images/dirac, built by scripts/docker/build-images.sh) on this machine's Docker
// Engine, configured by the files the library renders (components/dirac/dirac-cfg.ts): DIRAC's
// own Configuration Server, started by `dirac-platform serve`, serves the installation's
// configuration under the balancers' name (a network alias of its container here); a
// StorageElement told only where that server is takes its port and options from it; DIRAC's own
// client in another container finds the StorageElement by name through the server and gets its
// data. The server's HTTP health bridge answers 200 while the service answers a DISET ping, 503
// within its timeout while the service is stopped (SIGSTOP: a hang, the process still there),
// and 200 again once it runs; its own pings stay out of the service's log.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  DIRAC_CFG_PATH,
  diracCfg,
  masterCfg,
  masterCfgPath,
} from "../../components/dirac/dirac-cfg";
import { configurationText, disetCall } from "../../scripts/bench/diset";
import { docker, dockerAsync, eventually, ipOf } from "../../scripts/bench/probes";

const IMAGE = "lhcb-platform/dirac:9.1.22";
const NET = `dirac-test-${process.pid}`;
const CS = `${NET}-cs`;
const SE = `${NET}-se`;
/** The name clients reach the Configuration Server by: the balancers' at a site, an alias here. */
const BALANCER = `${NET}-lb`;
const PORT = 9135;
const BRIDGE_PORT = 19135;
const CS_URL = `dip://${BALANCER}:${PORT}/Configuration/Server`;
const installation = {
  name: "imagetest",
  configurationServers: [CS_URL],
  services: [
    { name: "Configuration/Server", port: PORT, urls: [CS_URL] },
    {
      name: "DataManagement/StorageElement",
      port: 9148,
      urls: [`dip://${SE}:9148/DataManagement/StorageElement`],
      options: { BasePath: "/tmp/storage" },
    },
  ],
};
const dir = mkdtempSync(join(tmpdir(), "dirac-image-"));

/** The bridge's answer: HTTP status and body, with a 3 s limit of the test's own. */
async function bridge(address: string): Promise<{ status: number; body: string; ms: number }> {
  const start = Date.now();
  const r = await fetch(`http://${address}:${BRIDGE_PORT}/ping`, {
    signal: AbortSignal.timeout(3000),
  });
  return { status: r.status, body: (await r.text()).trim(), ms: Date.now() - start };
}

/** What `dirac-platform` itself wrote in container `name`: its standard error, which `docker logs` passes on apart. */
function platformLog(name: string): string {
  return spawnSync("docker", ["logs", name], { encoding: "utf8" }).stderr;
}

/** Waits until `ok` holds (`eventually`); on a timeout, the Configuration Server's log is in the error. */
async function until(what: string, seconds: number, ok: () => Promise<boolean>): Promise<void> {
  await eventually(what, seconds, async () => ((await ok()) ? true : undefined), 200).catch(
    (e: Error) => {
      throw new Error(`${e.message}\n${docker("logs", CS)}`);
    },
  );
}

/** Runs `python3 -c program` with DIRAC in a new container on the test's network; its stdout. */
function diracClient(program: string): string {
  return docker("run", "--rm", "--network", NET, "--entrypoint", "python3", IMAGE, "-c", program);
}

let address = "";

/** Creates `name` running `dirac-platform serve component` with `files` uploaded, and starts it. */
function startDirac(
  name: string,
  component: string,
  files: Record<string, string>,
  extra: string[],
) {
  docker(
    "create",
    "--name",
    name,
    "--network",
    NET,
    "--user",
    "nobody",
    ...extra,
    IMAGE,
    "serve",
    component,
  );
  for (const [path, text] of Object.entries(files)) {
    const local = join(dir, `${name}-${path.replaceAll("/", "_")}`);
    writeFileSync(local, text);
    docker("cp", local, `${name}:${path}`);
  }
  docker("start", name);
}

before(async () => {
  docker("network", "create", NET);
  startDirac(
    CS,
    "Configuration/Server",
    {
      [DIRAC_CFG_PATH]: diracCfg(installation, { advertisedHost: BALANCER }),
      [masterCfgPath(installation.name)]: masterCfg(installation),
    },
    [
      "--network-alias",
      BALANCER,
      "-e",
      `SERVICE_PORT=${PORT}`,
      "-e",
      `SERVICE_CHECK_PORT=${BRIDGE_PORT}`,
    ],
  );
  address = ipOf(CS);
  await until("the bridge answers 200", 30, async () => (await bridge(address)).status === 200);
  startDirac(SE, "DataManagement/StorageElement", { [DIRAC_CFG_PATH]: diracCfg(installation) }, [
    "-e",
    "SERVICE_PORT=9148",
  ]);
});

after(() => {
  spawnSync("docker", ["rm", "-f", CS, SE]);
  spawnSync("docker", ["network", "rm", NET]);
  rmSync(dir, { recursive: true, force: true });
});

/** DIRAC initialized in a client's process, reading the configuration from the server. */
const CLIENT_PRELUDE = [
  "import zlib, DIRAC",
  `DIRAC.initialize(require_auth=False, extra_config={"DIRAC": {"Configuration": {"Servers": "${CS_URL}"}, "Security": {"UseServerCertificate": "no"}}})`,
  "from DIRAC.Core.Base.Client import Client",
];

test("DIRAC's client in another container gets the configuration the server serves: its name, the balancers' URL as its own, each service", () => {
  const out = diracClient(
    [
      ...CLIENT_PRELUDE,
      `c = Client(url="${CS_URL}")`,
      'p = c.ping(); assert p["OK"], p',
      'd = c.getCompressedData(); assert d["OK"], d',
      "from diraccfg import CFG",
      'cfg = CFG().loadFromBuffer(zlib.decompress(d["Value"]).decode())',
      'print(p["Value"]["name"])',
      'for o in ("/DIRAC/Configuration/Name", "/DIRAC/Configuration/Servers", "/DIRAC/Configuration/MasterServer", "/Systems/DataManagement/Services/StorageElement/Protocol", "/Systems/DataManagement/URLs/StorageElement"): print(o, cfg.getOption(o))',
    ].join("\n"),
  );
  assert.deepEqual(out.split("\n").slice(-6), [
    "Configuration/Server",
    "/DIRAC/Configuration/Name imagetest",
    `/DIRAC/Configuration/Servers ${CS_URL}`,
    `/DIRAC/Configuration/MasterServer ${CS_URL}`,
    "/Systems/DataManagement/Services/StorageElement/Protocol dip",
    `/Systems/DataManagement/URLs/StorageElement dip://${SE}:9148/DataManagement/StorageElement`,
  ]);
});

test("a StorageElement configured by the server alone answers a client that names it: its free space, read from its storage", async () => {
  await until(`${SE} listens`, 30, async () => docker("logs", SE).includes("Listening at dip://"));
  const out = diracClient(
    [
      ...CLIENT_PRELUDE,
      'c = Client(url="DataManagement/StorageElement")',
      'r = c.getFreeDiskSpace(); assert r["OK"], r',
      'print(r["Value"] > 0, type(r["Value"]).__name__)',
    ].join("\n"),
  );
  assert.equal(out.split("\n").at(-1), "True float");
  assert.match(docker("logs", SE), /Base Path: \/tmp\/storage/);
});

test("the project's DISET client, from outside the network's containers: the server's ping, and the configuration it serves, as rendered with its version and master", async () => {
  const ping = await disetCall(address, PORT, "Configuration/Server", "ping");
  assert.equal(ping.OK, true);
  const info = ping.Value as { name: string; version: string; URL: string };
  assert.deepEqual([info.name, info.version, info.URL], ["Configuration/Server", "9.1.22", CS_URL]);
  const served = configurationText(
    await disetCall(address, PORT, "Configuration/Server", "getCompressedData"),
  );
  const version = /\n {4}Version = (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\n/.exec(served)?.[1];
  assert.ok(version, served);
  assert.equal(
    served,
    masterCfg(installation).replace(
      `    Servers = ${CS_URL}\n`,
      `    Servers = ${CS_URL}\n    Version = ${version}\n    MasterServer = ${CS_URL}\n`,
    ),
  );
  const unknown = await disetCall(address, PORT, "Configuration/Server", "noSuchMethod");
  assert.deepEqual([unknown.OK, unknown.Message], [false, "Unknown method noSuchMethod"]);
});

test("dirac-platform ping: exit 0 and the answer for a service that answers, 1 at once for an address nobody serves", () => {
  const ok = spawnSync("docker", ["run", "--rm", "--network", NET, IMAGE, "ping", CS_URL], {
    encoding: "utf8",
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`^ping of ${CS_URL} answered in [0-9.]+ ms\\n$`));
  const no = spawnSync(
    "docker",
    ["run", "--rm", "--network", NET, IMAGE, "ping", `dip://${CS}:9999/Configuration/Server`],
    {
      encoding: "utf8",
    },
  );
  assert.equal(no.status, 1);
  // A refused connection fails at once, before DIRAC's client (which would retry twice, 2 s apart).
  assert.equal(
    no.stdout,
    `ping of dip://${CS}:9999/Configuration/Server: no connection: [Errno 111] Connection refused\n`,
  );
});

test("the health bridge: 200 from a DISET ping, 503 within its 1 s timeout while the service hangs, 200 once it runs again", async () => {
  const healthy = await bridge(address);
  assert.equal(healthy.status, 200);
  assert.match(
    healthy.body,
    /^ping of dip:\/\/127\.0\.0\.1:9135\/Configuration\/Server answered in [0-9.]+ ms$/,
  );
  const pid = docker("top", CS, "-eo", "pid,args")
    .split("\n")
    .find((l) => /dirac-service Configuration\/Server/.test(l))!
    .trim()
    .split(/\s+/)[0];
  process.kill(Number(pid), "SIGSTOP");
  try {
    await new Promise((r) => setTimeout(r, 300)); // past the bridge's 0.25 s cache
    const hung = await bridge(address);
    assert.equal(hung.status, 503);
    assert.match(
      hung.body,
      /^ping of dip:\/\/127\.0\.0\.1:9135\/Configuration\/Server unanswered after 1\.[0-9]s \(limit 1\.0s\)$/,
    );
    assert.ok(hung.ms < 1500, `the bridge answered after ${hung.ms} ms`);
    // A check right after gets that answer at once (the 0.25 s cache), without a new ping waiting out the timeout.
    const again = await bridge(address);
    assert.equal(again.status, 503);
    assert.ok(again.ms < 200, `the second check took ${again.ms} ms`);
  } finally {
    process.kill(Number(pid), "SIGCONT");
  }
  await until(
    "the bridge answers 200 again",
    10,
    async () => (await bridge(address)).status === 200,
  );
});

/** What DIRAC's service wrote in container `name`: its standard output, which `docker logs` passes on apart. */
function serviceLog(name: string): string {
  return spawnSync("docker", ["logs", name], { encoding: "utf8" }).stdout;
}

test("the service's log holds a client's ping and not the health bridge's own pings (images/shared/platform_log_filter.py)", async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await bridge(address)).status, 200);
    await new Promise((r) => setTimeout(r, 300)); // past the bridge's 0.25 s cache: a new ping each time
  }
  assert.equal((await disetCall(address, PORT, "Configuration/Server", "ping")).OK, true);
  const clientPing = /NOTICE: Executing action \(\[::ffff:(?!127\.)[0-9.]+\]:\d+\) RPC\/ping\(/;
  await until("the client's ping is in the service's log", 5, () =>
    Promise.resolve(clientPing.test(serviceLog(CS))),
  );
  const log = serviceLog(CS);
  assert.doesNotMatch(log, /\((\[::ffff:)?127\.0\.0\.1\]?:\d+\) RPC\/ping\(/);
  assert.doesNotMatch(
    log,
    /Returning response \((\[::ffff:)?127\.0\.0\.1\]?:\d+\) \([0-9.]+ secs\) OK/,
  );
  assert.match(log, /ALWAYS: Listening at /);
});

test("a second signal is passed on at once: DIRAC's service ends on it, not waiting out the drain (exit 143, not 137 for a kill)", async () => {
  // The StorageElement drains its DISET port; a client that keeps calling holds the drain.
  const se = ipOf(SE);
  const t0 = Date.now();
  const caller = (async () => {
    while (Date.now() - t0 < 5000)
      await disetCall(se, 9148, "DataManagement/StorageElement", "ping", [], 2000).catch(
        () => undefined,
      );
  })();
  docker("kill", "-s", "TERM", SE);
  await until(`${SE} draining`, 5, async () => /draining ports 9148/.test(platformLog(SE)));
  const second = Date.now();
  docker("kill", "-s", "TERM", SE);
  assert.equal(docker("wait", SE), "143");
  const took = Date.now() - second;
  await caller;
  assert.ok(took < 1000, `the service ended ${took} ms after the second signal`);
  const logs = platformLog(SE);
  assert.doesNotMatch(logs, /stopping the service/);
});

test("a stop is drained first: DIRAC's service gets the SIGTERM only once no checker has come for 1 s, and ends on it (exit 143)", async () => {
  // A checker of the Configuration Server's bridge every 0.2 s, as a balancer that still holds
  // the instance, for 2.5 s from the stop.
  const t0 = Date.now();
  const checker = (async () => {
    while (Date.now() - t0 < 2500) {
      await bridge(address).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  await Promise.all([dockerAsync("stop", "-t", "10", CS), checker]);
  const took = (Date.now() - t0) / 1000;
  assert.equal(docker("inspect", "-f", "{{.State.ExitCode}}", CS), "143");
  const logs = platformLog(CS);
  assert.match(
    logs,
    /dirac-platform: signal 15: draining ports 9135, 19135 before the service stops/,
  );
  const drained =
    /dirac-platform: no client for 1\.0 s after ([0-9.]+) s \((\d+) connections opened meanwhile\); stopping the service/.exec(
      logs,
    );
  assert.ok(drained, logs.slice(-2000));
  console.log(`image test: ${drained[0]}; the stop took ${took.toFixed(1)} s`);
  // The wait outlasted the checker by the quiet second; the checks it saw were counted.
  assert.ok(Number(drained[1]) >= 3.0 && Number(drained[1]) < 6, `drained after ${drained[1]} s`);
  assert.ok(Number(drained[2]) >= 5, `${drained[2]} connections seen`);
  assert.ok(took >= 3.0 && took < 10, `the stop took ${took} s`);
});
