// The docker provider plugin as scripts/toolchain/build.sh builds it, on the real engine: what it
// logs of a container, a volume or a network it has read is one message, a whole JSON document,
// not one message per line of indented JSON. The bridge sends each line the provider logs to the
// engine as a gRPC call of its own, so the indented form cost about 250 calls per container read
// (docs/scale.md). `pulumi up --debug` shows those messages; a scratch project with one network,
// one volume and one container on them, on a file backend of its own, is brought up and destroyed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { engineMissing } from "../../scripts/bench/engine";
import { engineObjectsOf, orphansOf, removeOrphans } from "../../scripts/engine-orphans";
import { engineEnv, operatorCli, PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";

const stack = `provider-log-${process.pid}`;
const project = tempDir("provider-log-");
// The engine's environment with a backend and a passphrase of the test's own.
const env = {
  ...Object.fromEntries(
    Object.entries({ ...process.env, ...engineEnv() }).filter(
      ([k]) => k !== "PULUMI_CONFIG_PASSPHRASE_FILE",
    ),
  ),
  PULUMI_BACKEND_URL: `file://${project}`,
  PULUMI_CONFIG_PASSPHRASE: "provider-log",
};

writeFileSync(
  join(project, "Pulumi.yaml"),
  "name: provider-log\nruntime: nodejs\nmain: index.js\n",
);
writeFileSync(
  join(project, "index.js"),
  `const docker = require("@pulumi/docker");
const labels = [{ label: "platform.stack", value: ${JSON.stringify(stack)} }];
const volume = new docker.Volume("v", { name: "${stack}-v", labels });
// After the volume, not beside it: made at the same moment, the network's debug messages were
// missing from the up's output in 3 runs of 4 (and in one CI run), the volume's there.
const network = new docker.Network("n", { name: "${stack}-n", labels }, { dependsOn: [volume] });
new docker.Container("c", {
  name: "${stack}-c",
  image: "lhcb-platform/base:bookworm",
  command: ["sleep", "infinity"],
  labels,
  volumes: [{ volumeName: volume.name, containerPath: "/data" }],
  networksAdvanced: [{ name: network.name }],
});
`,
);
symlinkSync(join(PROJECT_ROOT, "node_modules"), join(project, "node_modules"));

function pulumi(...args: string[]): string {
  const r = spawnSync(operatorCli(), [...args, "--stack", stack, "--non-interactive"], {
    cwd: project,
    env,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `pulumi ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

after(() => {
  spawnSync(operatorCli(), ["destroy", "--yes", "--skip-preview", "--stack", stack], {
    cwd: project,
    env,
  });
  removeOrphans(orphansOf(engineObjectsOf(stack), new Set()), stack, () => {});
});

/** `message` parsed as JSON, or a failure that says it is not a whole document. */
function wholeJson<T>(what: string, message: string): T {
  try {
    return JSON.parse(message) as T;
  } catch {
    assert.fail(
      `the ${what} inspection logged is not a whole JSON document: ${message.slice(0, 80)}`,
    );
  }
}

/** The debug messages of an `up`'s diagnostics, each without its `debug: ` label. */
function debugMessages(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("    debug: "))
    .map((l) => l.slice("    debug: ".length));
}

test("the docker provider logs each inspection it reads (container, volume, network) as one message holding the whole JSON, and no message is a piece of one", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  pulumi("stack", "init");
  const messages = debugMessages(pulumi("up", "--yes", "--skip-preview", "--debug"));
  const inspections = (what: string) =>
    messages.flatMap((m) => {
      const match = new RegExp(`^\\[DEBUG\\] Docker ${what} inspect(?: from \\w+)?: (.*)$`).exec(m);
      return match ? [match[1]] : [];
    });
  const containers = inspections("container");
  const volumes = inspections("volume");
  const networks = inspections("network");
  for (const [what, found] of Object.entries({
    container: containers,
    volume: volumes,
    network: networks,
  }))
    assert.ok(found.length >= 1, `no ${what} inspection among: ${messages.join("\n")}`);
  for (const c of containers) {
    const read = wholeJson<{ Name: string; Config: { Cmd: string[] } }>("container", c);
    assert.equal(read.Name, `/${stack}-c`);
    assert.deepEqual(read.Config.Cmd, ["sleep", "infinity"]);
  }
  for (const v of volumes)
    assert.equal(wholeJson<{ Name: string }>("volume", v).Name, `${stack}-v`);
  for (const n of networks)
    assert.equal(wholeJson<{ Name: string }>("network", n).Name, `${stack}-n`);
  const pieces = messages.filter((m) => /^\s*("\w+":|[{}[\]],?$)/.test(m));
  assert.deepEqual(pieces, []);
});
