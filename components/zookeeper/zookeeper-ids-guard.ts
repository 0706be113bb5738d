/**
 * The step that keeps ZooKeeper's ids (core/zookeeper-ids.ts) from changing under a running
 * ensemble. An id follows a master's place among the masters unless pinned, so a master removed
 * from the middle of `hosts`, or the masters put in another order, would give a running member
 * another member's id: the members are then replaced one after another, each told that some
 * other address holds its id, and the ensemble may lose its leader until the last one has the
 * new list. The step runs where `pulumi up` runs, before any member is created or replaced (the
 * first member depends on it, and each one after on the one before), and again whenever the
 * planned list changes. It asks the members for the list they serve with (`conf`, from the first
 * that serves) and stops the `up`, before anything of the ensemble changes, where an address the
 * ensemble lists under one id is planned under another. An address it lists that the plan no
 * longer has (a lost master's, whose new machine takes its id) and an id it does not list (a new
 * master) change no one's id. With no member serving (the first `up`, or the quorum lost) there
 * is nothing to compare: it says so.
 */
import { MEMBER_ACCESS } from "../core/quorum-probe";
import { PORTS } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";
import { ZooKeeperMember } from "./zoo-cfg";
import { zookeeperMembers } from "./zookeeper-containers";

/** A planned member, with the host it runs on for the messages. */
export interface PlannedZooKeeperMember extends ZooKeeperMember {
  host: string;
}

export const ZOOKEEPER_IDS_GUARD_PROGRAM = [
  ...MEMBER_ACCESS,
  "const planned = JSON.parse(e.ZK_PLANNED);",
  "const plannedAt = new Map(planned.map((p) => [p.address.toLowerCase(), p]));",
  "const serving = async (a) => /^Mode: (leader|follower|standalone)$/m.test(await srvr(a));",
  "(async () => {",
  "  for (const p of planned) {",
  "    let listed;",
  "    try { const a = addr(p.address); if (!(await serving(a))) continue; listed = await confMembers(a); } catch { continue; }",
  "    const moved = listed.flatMap((l) => { const q = plannedAt.get(l.address.toLowerCase());",
  "      return q && q.id !== l.id ? [`${q.host} (${q.address}) serves as server.${l.id} and would be server.${q.id}`] : []; });",
  "    if (moved.length === 0) { console.log(`${e.PROBE_WHAT}: kept (the list ${p.host}'s member serves with)`); return; }",
  "    console.error(`${e.PROBE_WHAT}: would change, so nothing of the ensemble was changed: ${moved.join('; ')}. A member's id is its master's place among the masters in hosts unless hosts[i].zookeeperId sets it: put the masters back in the order they were deployed in, or set each master's zookeeperId to the id it serves as`);",
  "    process.exit(1);",
  "  }",
  "  console.log(`${e.PROBE_WHAT}: no member serves, nothing to compare (a first deployment, or the quorum lost)`);",
  "})();",
].join("\n");

/** The shell command that runs `ZOOKEEPER_IDS_GUARD_PROGRAM`; the planned list is in its environment. */
export const ZOOKEEPER_IDS_GUARD_COMMAND = 'node -e "$ZOOKEEPER_IDS_GUARD_PROGRAM"';

/** The members the plan has, in the masters' order, each with its master's id. */
export function plannedZooKeeperMembers(
  spec: Pick<PlatformSpec, "stack" | "local" | "masters">,
): PlannedZooKeeperMember[] {
  return zookeeperMembers(spec).map((m, i) => ({ ...m, host: spec.masters[i].id }));
}

/**
 * The environment of the guard for `planned`, each member asked at its client port where the
 * quorum probes ask it (by its container's address on the local stack, through Docker).
 */
export function zookeeperIdsGuardEnvironment(
  planned: readonly PlannedZooKeeperMember[],
  resolveWithDocker: boolean,
  port: number = PORTS.zookeeperClient,
): Record<string, string> {
  return {
    ZOOKEEPER_IDS_GUARD_PROGRAM,
    PROBE_WHAT: "ZooKeeper's ids",
    ZK_PLANNED: JSON.stringify(planned),
    PROBE_PORT: String(port),
    PROBE_TIMEOUT_SECONDS: "0",
    ...(resolveWithDocker ? { PROBE_RESOLVE: "docker" } : {}),
  };
}
