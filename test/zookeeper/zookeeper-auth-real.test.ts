// ZooKeeper's authentication and ACLs for real: the image built here runs with the prod stack's
// client settings (`enforce.auth`) on this machine's Docker Engine; the ACL step runs as `pulumi up`
// runs it, with the prod stack's znodes and users; then clients ask as nobody, as a stranger
// (digest accepts any user) and as each part's user. The clients speak the same wire code the
// step does (zookeeper-wire.ts, through test/support/zookeeper-client.ts), checked here against
// the real server.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { renderZooCfg } from "../../components/zookeeper/zoo-cfg";
import {
  ZOOKEEPER_ACL_COMMAND,
  zookeeperAclEnvironment,
} from "../../components/zookeeper/zookeeper-acl-program";
import {
  ZOOKEEPER_USERS,
  zookeeperAclTrees,
  zookeeperAuthEnforced,
  zookeeperDigestId,
} from "../../components/zookeeper/zookeeper-auth-plan";
import { zookeeperContainer } from "../../components/zookeeper/zookeeper-containers";
import { secretPlaceholder } from "../../components/core/container-spec";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import {
  AUTHENTICATION_REQUIRED,
  NOT_AUTHORIZED,
  Op,
  Outcome,
  zookeeperAs,
} from "../support/zookeeper-client";

const IMAGE = "lhcb-platform/zookeeper:3.8.4";
const prod = loadPlatformFromStackFile(PROJECT_ROOT, "prod");
const name = `zookeeper-auth-test-${process.pid}`;
const dir = tempDir("zookeeper-auth-real-");
const u = ZOOKEEPER_USERS;
const passwords: Record<string, string> = Object.fromEntries(
  Object.values(u).map((user, i) => [user, String(i + 1).repeat(48)]),
);
let port = 0;
let firstRun: ReturnType<typeof setAcls>;

/** Runs the ACL step as `pulumi up` runs it; its exit status, stdout and stderr. */
function setAcls(given = passwords, timeoutSeconds = 60) {
  const env = zookeeperAclEnvironment(
    "ZooKeeper under test",
    [`127.0.0.1:${port}`],
    zookeeperAclTrees(prod),
    given,
    timeoutSeconds,
  );
  const r = spawnSync("/bin/sh", ["-c", ZOOKEEPER_ACL_COMMAND], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `ops` in one session to the server under test, authenticated as `as`. */
function asClient(as: [string, string][], ops: Op[]): Outcome[] {
  return zookeeperAs({ host: "127.0.0.1", port }, as, ops, { ...passwords, stranger: "x" });
}

const user = (name: string): [string, string] => [name, passwords[name]];
const stranger: [string, string] = ["stranger", "x"];
const digest = (name: string, password: string) =>
  `${name}:${createHash("sha1").update(`${name}:${password}`).digest("base64")}`;

const config = join(dir, "zoo.cfg");

/** One member's zoo.cfg (standalone) with the client settings every prod member has, its super user's digest from `adminPassword`. */
function zooCfg(adminPassword: string): string {
  return renderZooCfg([{ id: 1, address: "127.0.0.1" }], {
    dataDir: "/var/lib/zookeeper",
    enforceAuth: zookeeperAuthEnforced(prod),
    // The digest as the platform computes it for the members' zoo.cfg.
    superDigest: zookeeperDigestId(u.admin, adminPassword),
  });
}

/** Restarts the member with the super digest of `adminPassword` (as `up` replaces the members). */
async function restartWith(adminPassword: string): Promise<void> {
  writeFileSync(config, zooCfg(adminPassword));
  docker("restart", name);
  port = Number(docker("port", name, "2181/tcp").trim().split(":").pop());
  const end = Date.now() + 30_000;
  while (!("value" in asClient([[u.admin, adminPassword]], [{ op: "getChildren", path: "/" }])[0]))
    if (Date.now() > end) assert.fail("the member did not serve again within 30 s");
}

before(() => {
  assert.ok(zookeeperAuthEnforced(prod));
  const prodCfg = zookeeperContainer(prod, prod.masters[0]).files![0].content;
  const cfg = zooCfg(passwords[u.admin]);
  for (const line of cfg.split("\n").filter((l) => l.startsWith("enforce.")))
    assert.ok(prodCfg.split("\n").includes(line), line);
  assert.ok(
    prodCfg
      .split("\n")
      .includes(
        `DigestAuthenticationProvider.superDigest=${secretPlaceholder("zookeeperSuperDigest")}`,
      ),
  );
  writeFileSync(config, cfg);
  docker(
    "run",
    "-d",
    "--name",
    name,
    "-p",
    "127.0.0.1::2181",
    "-e",
    "ZOO_CFG=/conf/zoo.cfg",
    "-v",
    `${config}:/conf/zoo.cfg:ro`,
    IMAGE,
  );
  port = Number(docker("port", name, "2181/tcp").trim().split(":").pop());
  firstRun = setAcls();
});

after(() => {
  spawnSync("docker", ["rm", "-f", name]);
});

test("the ACL step makes the parts' znodes, sets their ACLs, and runs again to the same end", () => {
  // The first run, on the new server: the top znode, /mesos, /marathon, /chronos and Chronos' three folders.
  assert.equal(firstRun.status, 0, firstRun.stderr);
  assert.equal(firstRun.stdout, "ZooKeeper under test: ACLs set on 7 znodes\n");
  const again = setAcls();
  assert.equal(again.status, 0, again.stderr);
  // Asked as every user: ZooKeeper shows an ACL's password hashes only to who may change it.
  assert.deepEqual(
    asClient(Object.values(u).map(user), [
      { op: "getAcl", path: "/" },
      { op: "getAcl", path: "/mesos" },
      { op: "getAcl", path: "/marathon" },
      { op: "getAcl", path: "/chronos/state/candidate" },
    ]),
    [
      [
        { perms: 1, scheme: "world", id: "anyone" },
        { perms: 31, scheme: "digest", id: digest(u.admin, passwords[u.admin]) },
      ],
      [
        { perms: 1, scheme: "world", id: "anyone" },
        { perms: 31, scheme: "digest", id: digest(u.mesosMaster, passwords[u.mesosMaster]) },
      ],
      [{ perms: 31, scheme: "digest", id: digest(u.marathon, passwords[u.marathon]) }],
      [{ perms: 31, scheme: "digest", id: digest(u.chronos, passwords[u.chronos]) }],
    ].map((value) => ({ value })),
  );
});

test("a client that does not authenticate is refused its first request; the readiness probe's srvr still answers", async () => {
  const [outcome] = asClient([], [{ op: "getData", path: "/mesos" }]);
  assert.deepEqual(outcome, AUTHENTICATION_REQUIRED);
  const answer = await new Promise<string>((ok, fail) => {
    let b = "";
    const s = connect(port, "127.0.0.1", () => s.end("srvr"));
    s.on("data", (d) => (b += d));
    s.on("end", () => ok(b));
    s.on("error", fail);
  });
  assert.match(answer, /^Mode: standalone$/m);
});

test("a stranger (any digest user) reads what Mesos lets anyone read, and changes nothing", () => {
  assert.deepEqual(
    asClient(
      [stranger],
      [
        { op: "getChildren", path: "/" },
        { op: "getData", path: "/mesos" },
        { op: "getAcl", path: "/mesos" },
        { op: "create", path: "/x", acl: [{ who: "anyone", perms: "cdrwa" }] },
        { op: "create", path: "/mesos/x", acl: [{ who: "anyone", perms: "cdrwa" }] },
        { op: "setAcl", path: "/mesos", acl: [{ who: "anyone", perms: "cdrwa" }] },
        { op: "getData", path: "/marathon" },
        { op: "getChildren", path: "/chronos/state" },
        { op: "create", path: "/chronos/state/candidate/x", acl: [{ who: "anyone", perms: "r" }] },
      ],
    ),
    [
      { value: ["chronos", "marathon", "mesos", "zookeeper"] },
      { value: "" },
      // The hash of Mesos's password is not shown to a reader.
      {
        value: [
          { perms: 1, scheme: "world", id: "anyone" },
          { perms: 31, scheme: "digest", id: `${u.mesosMaster}:x` },
        ],
      },
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
    ],
  );
});

test("each part writes its own znodes and no other part's", () => {
  const closed = (who: string) => [{ who, perms: "cdrwa" }];
  assert.deepEqual(
    asClient(
      [user(u.mesosMaster)],
      [
        { op: "create", path: "/mesos/log_replicas", acl: closed(u.mesosMaster) },
        { op: "getData", path: "/marathon" },
      ],
    ),
    [{ value: "/mesos/log_replicas" }, NOT_AUTHORIZED],
  );
  assert.deepEqual(
    asClient(
      [user(u.mesosAgent)],
      [
        { op: "getChildren", path: "/mesos" },
        { op: "create", path: "/mesos/x", acl: closed(u.mesosAgent) },
      ],
    ),
    [{ value: ["log_replicas"] }, NOT_AUTHORIZED],
  );
  assert.deepEqual(
    asClient(
      [user(u.marathon)],
      [
        { op: "create", path: "/marathon/state", acl: closed(u.marathon) },
        { op: "create", path: "/mesos/y", acl: closed(u.marathon) },
        { op: "getChildren", path: "/chronos/state" },
      ],
    ),
    [{ value: "/marathon/state" }, NOT_AUTHORIZED, NOT_AUTHORIZED],
  );
  assert.deepEqual(
    asClient(
      [user(u.chronos)],
      [
        { op: "create", path: "/chronos/state/candidate/c1", acl: closed(u.chronos) },
        { op: "getChildren", path: "/chronos/state" },
        { op: "getData", path: "/marathon" },
      ],
    ),
    [{ value: "/chronos/state/candidate/c1" }, { value: ["candidate", "state"] }, NOT_AUTHORIZED],
  );
});

test("a znode a part made open (Chronos' own, or from before the ACLs) is closed by the next step", () => {
  const open = [{ who: "anyone", perms: "cdrwa" }];
  assert.deepEqual(
    asClient([user(u.chronos)], [{ op: "create", path: "/chronos/state/leader", acl: open }]),
    [{ value: "/chronos/state/leader" }],
  );
  assert.deepEqual(asClient([stranger], [{ op: "getData", path: "/chronos/state/leader" }]), [
    { value: "" },
  ]);
  const r = setAcls();
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(asClient([stranger], [{ op: "getData", path: "/chronos/state/leader" }]), [
    NOT_AUTHORIZED,
  ]);
});

test("a step whose admin password is not the super user's stops at once, naming the znode and no password", () => {
  const wrong = { ...passwords, [u.admin]: "f".repeat(48) };
  const r = setAcls(wrong, 20);
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr,
    `ZooKeeper under test: 127.0.0.1:${port}: set the ACL of /: not authorized\n`,
  );
  for (const p of Object.values(wrong)) assert.equal(r.stderr.includes(p), false);
});

test("a part's password rotated: the step names its new digest on the part's znodes; the new password writes there, the old one no longer does", () => {
  const closed = (who: string) => [{ who, perms: "cdrwa" }];
  const rotated = { ...passwords, [u.marathon]: "9".repeat(48) };
  const r = setAcls(rotated);
  assert.equal(r.status, 0, r.stderr);
  const as = (password: string) =>
    zookeeperAs(
      { host: "127.0.0.1", port },
      [[u.marathon, password]],
      [
        { op: "getData", path: "/marathon" },
        { op: "create", path: `/marathon/rotated-${password[0]}`, acl: closed(u.marathon) },
      ],
      rotated,
    );
  assert.deepEqual(as(passwords[u.marathon]), [NOT_AUTHORIZED, NOT_AUTHORIZED]);
  assert.deepEqual(as(rotated[u.marathon]), [{ value: "" }, { value: "/marathon/rotated-9" }]);
  // Back to the first password, as the other tests have it.
  assert.equal(setAcls().status, 0);
  assert.deepEqual(asClient([user(u.marathon)], [{ op: "getData", path: "/marathon" }]), [
    { value: "" },
  ]);
});

test("the admin's password rotated: the member restarted with its new super digest, the step with the new password sets every ACL; the old password no longer passes them", async () => {
  const rotated = { ...passwords, [u.admin]: "8".repeat(48) };
  await restartWith(rotated[u.admin]);
  const r = setAcls(rotated);
  assert.equal(r.status, 0, r.stderr);
  const asAdmin = (password: string) =>
    zookeeperAs(
      { host: "127.0.0.1", port },
      [[u.admin, password]],
      [
        { op: "getData", path: "/marathon" },
        { op: "getAcl", path: "/" },
      ],
      rotated,
    );
  const [oldRead] = asAdmin(passwords[u.admin]);
  assert.deepEqual(oldRead, NOT_AUTHORIZED);
  assert.deepEqual(asAdmin(rotated[u.admin]), [
    { value: "" },
    {
      value: [
        { perms: 1, scheme: "world", id: "anyone" },
        { perms: 31, scheme: "digest", id: digest(u.admin, rotated[u.admin]) },
      ],
    },
  ]);
  // Back to the first password, as the other tests have it.
  await restartWith(passwords[u.admin]);
  assert.equal(setAcls().status, 0);
});
