// A host reached as cert and prod reach theirs, for real: prepared over SSH by @pulumi/command
// (`prepare.commands`), its Docker Engine reached by the docker provider over `ssh://`, a container
// placed there. The "host" is this machine, behind an sshd (Debian's openssh-server) that the test
// starts on a loopback port with its own host key and an authorized key made for the test.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { hostSchema } from "../../components/core/config-schema";
import { declareContainer } from "../../components/hosts/declare-container";
import { HostInventory } from "../../components/hosts/host-inventory";
import { docker } from "../../scripts/bench/probes";
import { pulumiCli, workspaceOptions } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";

const SSHD = "/usr/sbin/sshd";
const STACK = `sshprep${process.pid % 1000}`;
const dir = tempDir("lhcb-ssh-host-");
const marker = join(dir, "prepared", "marker");
let sshd: ChildProcess | undefined;
let stack: Stack | undefined;
/** The operator's key the program gives the host's connection: rotated by a test. */
let operatorKey = "";
/** The host key the stack file names for the host (`prepare.hostKey`): the sshd's, or another. */
let hostKey = "";
/** A command added to the prepare commands, so that they run again. */
let extraCommand: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Starts sshd on 127.0.0.1:port with keys made for the test; resolves once it accepts connections. */
async function startSshd(port: number): Promise<string> {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")), {
    mode: 0o600,
  });
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
    ].join("\n") + "\n",
  );
  mkdirSync("/run/sshd", { recursive: true });
  sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  sshd.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const key = join(dir, "client_key");
  const sshArgs = [
    "-i",
    key,
    "-p",
    String(port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
  ];
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync("ssh", [...sshArgs, "root@127.0.0.1", "true"], { stdio: "pipe" });
      return key;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`sshd on 127.0.0.1:${port} did not accept the test's key: ${log}`);
}

before(async () => {
  assert.ok(existsSync(SSHD), `${SSHD} is missing: install Debian's openssh-server (.ci/run does)`);
  assert.ok(
    existsSync(pulumiCli()),
    `the Pulumi CLI is missing at ${pulumiCli()}: run \`npm run up\` first`,
  );
  assert.doesNotThrow(
    () => docker("image", "inspect", "lhcb-platform/base:bookworm"),
    "the base image is missing: run `npm run up` first",
  );
  const port = await freePort();
  const key = await startSshd(port);
  operatorKey = key;
  const sshOpts = [
    "-i",
    key,
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
  ];
  hostKey = readFileSync(join(dir, "host_key.pub"), "utf8").trim();
  const siteHost = () =>
    hostSchema.parse({
      id: "site-1",
      address: "127.0.0.1",
      roles: ["slave"],
      cpus: 1,
      memoryMb: 512,
      docker: { host: `ssh://root@127.0.0.1:${port}`, sshOpts },
      prepare: {
        user: "root",
        port,
        commands: [
          `mkdir -p ${join(dir, "prepared")}`,
          `echo "prepared on $(hostname)" > ${marker}`,
          ...extraCommand,
        ],
        hostKey,
      },
    });
  const program = async () => {
    const host = siteHost();
    const site = new pulumi.ComponentResource("lhcb-platform:test:Site", "site", {});
    const inventory = new HostInventory(
      "hosts",
      {
        stack: STACK,
        hosts: [host],
        sshPrivateKey: pulumi.secret(readFileSync(operatorKey, "utf8")),
      },
      { parent: site },
    );
    declareContainer(site, inventory, "site-1", "probe", {
      name: `${STACK}-probe`,
      image: "lhcb-platform/base:bookworm",
      command: ["sleep", "infinity"],
      restart: "no",
      labels: { "platform.stack": STACK },
      stopGraceSeconds: 1,
    });
  };
  const work = tempDir("lhcb-ssh-stack-");
  stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, projectName: "lhcb-platform-ssh-test", program },
    {
      ...(await workspaceOptions(work)),
      projectSettings: { name: "lhcb-platform-ssh-test", runtime: "nodejs" },
    },
  );
});

after(async () => {
  if (stack) {
    await stack.destroy({ color: "never" }).catch(() => undefined);
    await stack.workspace.removeStack(STACK).catch(() => undefined);
  }
  sshd?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "a host prepared over SSH and reached over ssh://: up, no change, destroy",
  { timeout: 300_000 },
  async () => {
    const up = await stack!.up({ color: "never" });
    assert.equal(up.summary.result, "succeeded");
    // The prepare commands ran over SSH, as root, before anything was placed on the host.
    assert.match(readFileSync(marker, "utf8"), /^prepared on /);
    // The container was created through the Docker Engine reached over ssh://.
    assert.equal(docker("inspect", "-f", "{{.State.Status}}", `${STACK}-probe`), "running");
    const state = (await stack!.exportStack()).deployment as {
      resources: { type: string; inputs?: { host?: string } }[];
    };
    const types = state.resources.map((r) => r.type).sort();
    for (const t of [
      "command:remote:Command",
      "docker:index/container:Container",
      "docker:index/network:Network",
      "pulumi:providers:docker",
    ])
      assert.ok(types.includes(t), t);
    const provider = state.resources.find((r) => r.type === "pulumi:providers:docker");
    assert.match(provider?.inputs?.host ?? "", /^ssh:\/\/root@127\.0\.0\.1:\d+$/);

    const preview = await stack!.preview({ color: "never" });
    assert.deepEqual(
      Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0),
      [],
    );

    // The operator's key rotated: the host is asked on the new key, and its prepare commands do
    // not run again (they would write the marker anew).
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "rotated_key")]);
    writeFileSync(
      join(dir, "authorized_keys"),
      readFileSync(join(dir, "client_key.pub"), "utf8") +
        readFileSync(join(dir, "rotated_key.pub"), "utf8"),
    );
    operatorKey = join(dir, "rotated_key");
    rmSync(marker);
    const rotated = await stack!.up({ color: "never" });
    assert.equal(rotated.summary.result, "succeeded");
    assert.deepEqual(rotated.summary.resourceChanges, { same: 6, update: 1 });
    assert.equal(existsSync(marker), false, "the prepare commands ran again");
    writeFileSync(marker, "prepared\n");

    // Commands that changed, for a host that shows another key than the stack file names: the
    // up stops before they run on it.
    const stranger = join(dir, "stranger_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
    const ownKey = hostKey;
    hostKey = readFileSync(`${stranger}.pub`, "utf8").trim();
    extraCommand = [`echo again > ${marker}`];
    const refused = await stack!.up({ color: "never" }).then(
      () => "",
      (e: Error) => e.message,
    );
    assert.match(refused, /ssh: handshake failed: ssh: host key mismatch/);
    assert.equal(readFileSync(marker, "utf8"), "prepared\n");
    // With the host's own key, they run.
    hostKey = ownKey;
    const again = await stack!.up({ color: "never" });
    assert.equal(again.summary.result, "succeeded");
    assert.equal(readFileSync(marker, "utf8"), "again\n");

    rmSync(marker);
    const down = await stack!.destroy({ color: "never" });
    assert.equal(down.summary.result, "succeeded");
    assert.equal(docker("ps", "-a", "--filter", `label=platform.stack=${STACK}`, "-q"), "");
    assert.equal(docker("network", "ls", "--filter", `label=platform.stack=${STACK}`, "-q"), "");
  },
);
