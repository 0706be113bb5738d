// The gossip key step for real, on this machine's Engine: a Consul server and two agents of the
// platform's image, gossiping with one key, and the step's program run as `pulumi up` runs it.
// It puts a new key in use on every member and removes the old one, so that an agent with only the
// old key can no longer join while one with the new key can; run again it changes nothing; with a
// member away it installs the new key, changes nothing else and says why, and once the member is
// back it finishes. No key is ever in its output.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  CONSUL_KEYRING_COMMAND,
  consulKeyringEnvironment,
} from "../../components/consul/consul-keyring-program";
import { docker } from "../../scripts/bench/probes";
import { newGossipKey } from "../../scripts/site/deploy";
import { ConsulContainers, until } from "../support/consul-containers";

const execFileAsync = promisify(execFile);
const newKey = newGossipKey;
const keys = { first: newKey(), second: newKey(), third: newKey() };
const consul = new ConsulContainers(`kr${process.pid}`, keys.first);
const prefix = consul.prefix;
const names = { server: consul.server, a1: `${prefix}-a1`, a2: `${prefix}-a2` };

/** The members the server sees alive. */
const alive = () => consul.alive(names.server);

/** Each pool's keys and primary keys with their member counts, as the API lists them. */
async function keyring(): Promise<
  { WAN: boolean; Keys: Record<string, number>; PrimaryKeys: Record<string, number> }[]
> {
  const r = await fetch(`${consul.api}/v1/operator/keyring`);
  assert.equal(r.status, 200);
  const pools = (await r.json()) as {
    WAN: boolean;
    Keys: Record<string, number>;
    PrimaryKeys: Record<string, number>;
  }[];
  return pools.map(({ WAN, Keys, PrimaryKeys }) => ({ WAN, Keys, PrimaryKeys }));
}

/** Runs the step for `key` as `pulumi up` does; its exit code and output. */
async function step(
  key: string,
  timeoutSeconds = 60,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...consulKeyringEnvironment("the test's keyring", consul.api, key, { lan: 3, wan: 1 }),
  };
  env.PROBE_TIMEOUT_SECONDS = String(timeoutSeconds);
  const result = await execFileAsync("sh", ["-c", CONSUL_KEYRING_COMMAND], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (x: { code: number; stdout: string; stderr: string }) => ({
      code: x.code,
      stdout: x.stdout,
      stderr: x.stderr,
    }),
  );
  for (const k of Object.values(keys)) {
    assert.ok(!result.stdout.includes(k) && !result.stderr.includes(k), "a key in the output");
  }
  return result;
}

before(() => consul.start([names.a1, names.a2]));

after(() => consul.remove());

test("a new key: installed, put in use and the old one removed on every member; an agent with the old key alone no longer joins, one with the new key does", async () => {
  const run = await step(keys.second);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n"), [
    "the test's keyring: installing the key (LAN: 0 of 3 members hold it, WAN: 0 of 1 members hold it)",
    "the test's keyring: every member holds the key; making it the one they encrypt with",
    "the test's keyring: the key is in use on every member; removing 1 old key(s)",
    "the test's keyring: the key is in use on every member (LAN 3, WAN 1); 1 old key(s) removed",
  ]);
  assert.deepEqual(await keyring(), [
    { WAN: true, Keys: { [keys.second]: 1 }, PrimaryKeys: { [keys.second]: 1 } },
    { WAN: false, Keys: { [keys.second]: 3 }, PrimaryKeys: { [keys.second]: 3 } },
  ]);
  consul.agent(`${prefix}-new`, { key: keys.second });
  consul.agent(`${prefix}-old`, { key: keys.first });
  await until("the agent with the new key alive", () => alive().includes(`${prefix}-new`));
  // The agent with the old key retries its join every second: give it five more.
  await new Promise((r) => setTimeout(r, 5000));
  assert.deepEqual(alive(), [names.a1, names.a2, `${prefix}-new`, names.server].sort());
  docker("rm", "-f", "-v", `${prefix}-new`, `${prefix}-old`);
  await until("back to three members", () => alive().length === 3);
});

test("run again with the key in use everywhere: nothing changes", async () => {
  const run = await step(keys.second);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n"), [
    "the test's keyring: the key is in use on every member (LAN 3, WAN 1)",
  ]);
});

test("a member away: the key is installed on the others, nothing else changes, and the step says why; back, the step finishes", async () => {
  docker("stop", names.a2);
  await until("two members alive", () => alive().length === 2);
  const stopped = await step(keys.third, 5);
  assert.equal(stopped.code, 1);
  assert.match(
    stopped.stderr,
    /^the test's keyring: not done after 5s \(the key is installed, not put in use, while members are away \(LAN: 2 of 3 members answer\): one away when the others change key could not decrypt them when it comes back\)\n$/,
  );
  assert.deepEqual(await keyring(), [
    {
      WAN: true,
      Keys: { [keys.second]: 1, [keys.third]: 1 },
      PrimaryKeys: { [keys.second]: 1 },
    },
    {
      WAN: false,
      Keys: { [keys.second]: 2, [keys.third]: 2 },
      PrimaryKeys: { [keys.second]: 2 },
    },
  ]);
  docker("start", names.a2);
  await until("three members alive again", () => alive().length === 3);
  const back = await step(keys.third);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(await keyring(), [
    { WAN: true, Keys: { [keys.third]: 1 }, PrimaryKeys: { [keys.third]: 1 } },
    { WAN: false, Keys: { [keys.third]: 3 }, PrimaryKeys: { [keys.third]: 3 } },
  ]);
});
