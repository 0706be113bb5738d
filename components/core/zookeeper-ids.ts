/**
 * ZooKeeper's ids (`myid`): one per master, its place among the masters from 1 unless the stack
 * pins it (`hosts[i].zookeeperId`). An id is what the other members know a member by, so a
 * member's id must not change while the ensemble runs (components/zookeeper/zookeeper-ids-guard.ts
 * refuses an `up` that would change one). Pure.
 */
import type { HostSpec } from "./config-schema";

/** The highest id ZooKeeper's documentation allows. */
export const ZOOKEEPER_ID_MAX = 255;

/**
 * The highest id on the local stack, whose members' fixed addresses (core/local-network.ts,
 * `localQuorumAddress`) follow their ids.
 */
export const LOCAL_ZOOKEEPER_ID_MAX = 19;

/** The id of each master, in the masters' order: `zookeeperId` where set, else its place from 1. */
export function zookeeperIds(masters: readonly Pick<HostSpec, "zookeeperId">[]): number[] {
  return masters.map((h, i) => h.zookeeperId ?? i + 1);
}

/** The place of master `hostId` among `masters`, from 1; throws for a host that is no master. */
export function masterPlace(masters: readonly Pick<HostSpec, "id">[], hostId: string): number {
  const index = masters.findIndex((h) => h.id === hostId);
  if (index < 0) throw new Error(`${hostId} is no master: it has no ZooKeeper id`);
  return index + 1;
}

/** The id of master `hostId`: its `zookeeperId` where set, else its place among `masters` from 1. */
export function zookeeperIdOf(
  masters: readonly Pick<HostSpec, "id" | "zookeeperId">[],
  hostId: string,
): number {
  return zookeeperIds(masters)[masterPlace(masters, hostId) - 1];
}

/**
 * Tells `problem` about an id set on a host that runs no ZooKeeper member, about two masters
 * that would have the same id (a pinned one, or a pinned one and another's place), and on the
 * local stack about an id beyond its fixed addresses.
 */
export function zookeeperIdProblems(
  hosts: readonly Pick<HostSpec, "id" | "roles" | "zookeeperId">[],
  local: boolean,
  problem: (path: string, expected: string) => void,
): void {
  const masterIndex = hosts.flatMap((h, i) =>
    (h.roles as string[]).includes("master") ? [i] : [],
  );
  hosts.forEach((h, i) => {
    if (h.zookeeperId !== undefined && !masterIndex.includes(i))
      problem(
        `hosts[${i}].zookeeperId`,
        `unset: only a host with role master runs a ZooKeeper member; ${h.id} has roles ${h.roles.join(", ")}`,
      );
    else if (local && (h.zookeeperId ?? 0) > LOCAL_ZOOKEEPER_ID_MAX)
      problem(
        `hosts[${i}].zookeeperId`,
        `at most ${LOCAL_ZOOKEEPER_ID_MAX} on the local stack, whose network has fixed addresses for ${LOCAL_ZOOKEEPER_ID_MAX} members; got ${h.zookeeperId}`,
      );
  });
  const ids = zookeeperIds(masterIndex.map((i) => hosts[i]));
  const holder = new Map<number, number>();
  const how = (i: number) =>
    hosts[i].zookeeperId === undefined ? " (its place among the masters)" : "";
  ids.forEach((id, k) => {
    const i = masterIndex[k];
    const prior = holder.get(id);
    if (prior === undefined) holder.set(id, i);
    else
      problem(
        `hosts[${i}].zookeeperId`,
        `a ZooKeeper id no other master has; ${hosts[i].id} would have ${id}${how(i)}, as hosts[${prior}] (${hosts[prior].id}) has${how(prior)}`,
      );
  });
}
