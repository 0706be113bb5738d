/**
 * The deploy-time step that closes ZooKeeper (zookeeper-auth-plan.ts), a Node program run where
 * `pulumi up` runs, once the ensemble serves: it authenticates as the super user (the admin),
 * makes each part's top znode where it is missing and sets its ACL on it and, for a subtree, on
 * every znode below (one made before the ACLs were on keeps its own ACL otherwise: ZooKeeper's
 * ACLs are not inherited). It can run again: what exists is kept, the ACLs are set anew. A member
 * that refuses the session (between elections) is passed over for the next; a znode it may not
 * change stops it at once, naming the znode.
 */
import { READY_TIMEOUT_SECONDS } from "../core/readiness";
import { ZnodeTree, ZOOKEEPER_USERS } from "./zookeeper-auth-plan";
import { ZK_WIRE } from "./zookeeper-wire";

export const ZOOKEEPER_ACL_PROGRAM =
  ZK_WIRE +
  String.raw`
const e = process.env, end = Date.now() + Number(e.PROBE_TIMEOUT_SECONDS) * 1000;
const passwords = JSON.parse(e.ZK_PASSWORDS), trees = JSON.parse(e.ZK_TREES);
const below = (p, c) => (p === "/" ? "/" + c : p + "/" + c);
const orNone = (fallback) => (x) => { if (x.code === -101) return fallback; throw x; };
const applyAcl = async (zk, path, acl, subtree) => {
  // A znode gone meanwhile (an ephemeral one) is no error.
  if ((await zk.setAcl(path, acl).then(() => true, orNone(false))) === false) return 0;
  let count = 1;
  if (subtree) for (const c of await zk.getChildren(path).catch(orNone([]))) count += await applyAcl(zk, below(path, c), acl, true);
  return count;
};
const setUp = async (zk) => {
  await zk.auth(e.ZK_SUPER, passwords[e.ZK_SUPER]);
  let count = 0;
  for (const t of trees) {
    const acl = t.acl.map((a) => aclEntry(a.who, a.perms, passwords));
    for (const p of [t.path, ...(t.make ?? [])]) if (p !== "/") await zk.create(p, acl).catch((x) => { if (x.code !== -110) throw x; });
    count += await applyAcl(zk, t.path, acl, t.subtree);
  }
  return count;
};
const stop = (m) => { console.error(e.PROBE_WHAT + ": " + m); process.exit(1); };
(async () => {
  let last = "no answer";
  for (;;) {
    for (const m of e.ZK_MEMBERS.split(",")) {
      const i = m.lastIndexOf(":"); let zk;
      try {
        zk = zkOps(await zkOpen(m.slice(0, i), Number(m.slice(i + 1))));
        const count = await setUp(zk); zk.close();
        console.log(e.PROBE_WHAT + ": ACLs set on " + count + " znodes"); return;
      } catch (x) {
        last = m + ": " + (x.cause?.message ?? x.message);
        if (x.code === -102 || x.code === -115) stop(last);
        try { zk?.close(); } catch {}
      }
    }
    if (Date.now() > end) stop("ACLs not set after " + e.PROBE_TIMEOUT_SECONDS + "s (" + last + ")");
    await new Promise((r) => setTimeout(r, 200));
  }
})();
`;

/** The shell command that runs `ZOOKEEPER_ACL_PROGRAM`; what it does is in its environment. */
export const ZOOKEEPER_ACL_COMMAND = 'node -e "$ZOOKEEPER_ACL_PROGRAM"';

/**
 * The environment of `ZOOKEEPER_ACL_COMMAND`: the members (`host:port`, tried in turn), the znodes
 * and their ACLs, and every user's password (a secret, as the whole environment is).
 */
export function zookeeperAclEnvironment(
  what: string,
  members: readonly string[],
  trees: readonly ZnodeTree[],
  passwords: Record<string, string>,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    ZOOKEEPER_ACL_PROGRAM,
    PROBE_WHAT: what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    ZK_MEMBERS: members.join(","),
    ZK_TREES: JSON.stringify(trees),
    ZK_PASSWORDS: JSON.stringify(passwords),
    ZK_SUPER: ZOOKEEPER_USERS.admin,
  };
}
