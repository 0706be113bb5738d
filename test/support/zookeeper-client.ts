// A ZooKeeper client for tests: operations run in one session of the platform's own wire code
// (components/zookeeper/zookeeper-wire.ts), in a Node process of their own.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ZK_WIRE } from "../../components/zookeeper/zookeeper-wire";

/** What a client operation gave: its value, or ZooKeeper's error code (or the failure's message). */
export type Outcome = { value: unknown } | { error: number | string };

/** An operation of zkOps: its name, the znode, and for `create` and `setAcl` the ACL by who and perms. */
export interface Op {
  op: "getData" | "getChildren" | "getAcl" | "create" | "setAcl";
  path: string;
  acl?: { who: string; perms: string }[];
}

/** ZooKeeper's code for a request its ACLs refuse. */
export const NOT_AUTHORIZED = { error: -102 };
/** ZooKeeper's code for a request of a session that has not authenticated where it must. */
export const AUTHENTICATION_REQUIRED = { error: -124 };

const CLIENT = `${ZK_WIRE}
const e = process.env, out = [];
const names = (v) => Array.isArray(v) && v.every((x) => typeof x === "string");
const show = (v) => (Buffer.isBuffer(v) ? v.toString("utf8") : names(v) ? [...v].sort() : v === null || Array.isArray(v) || typeof v === "string" ? v : "done");
(async () => {
  let zk;
  try { zk = zkOps(await zkOpen(e.ZK_HOST, Number(e.ZK_PORT))); } catch (x) { console.log(JSON.stringify([{ error: x.message }])); return; }
  for (const [user, password] of JSON.parse(e.ZK_AS)) await zk.auth(user, password);
  const all = JSON.parse(e.ZK_PASSWORDS);
  for (const o of JSON.parse(e.ZK_OPS)) {
    try { out.push({ value: show(await zk[o.op](o.path, o.acl?.map((a) => aclEntry(a.who, a.perms, all)))) }); }
    catch (x) { out.push({ error: x.code ?? x.message }); if (x.code === undefined) break; }
  }
  zk.close(); console.log(JSON.stringify(out));
})();`;

/**
 * Runs `ops` in one session to `host:port` authenticated as `as` (user, password pairs; none:
 * unauthenticated). `passwords` are those an ACL entry of an operation may name, by user.
 */
export function zookeeperAs(
  at: { host: string; port: number },
  as: [string, string][],
  ops: Op[],
  passwords: Record<string, string> = Object.fromEntries(as),
): Outcome[] {
  const r = spawnSync("node", ["-e", CLIENT], {
    env: {
      PATH: process.env.PATH ?? "",
      ZK_HOST: at.host,
      ZK_PORT: String(at.port),
      ZK_AS: JSON.stringify(as),
      ZK_PASSWORDS: JSON.stringify(passwords),
      ZK_OPS: JSON.stringify(ops),
    },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome[];
}
