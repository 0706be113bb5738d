import { EnvironmentKind } from "./config-schema";

/** Majority of `n` voters: the members that must agree (Mesos `--quorum`, ZooKeeper, Raft). */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** How many members may fail while a majority remains. */
export function toleratedFailures(n: number): number {
  return n - quorumSize(n);
}

/**
 * Why a master count is refused, or undefined when it is fine. cert and prod need an odd number of
 * at least 3 (an even count tolerates no more failures than the odd count below it); local may
 * run 1 or 3.
 */
export function quorumProblem(masters: number, environment: EnvironmentKind): string | undefined {
  if (environment === "local") {
    return masters === 1 || masters === 3
      ? undefined
      : `expected 1 or 3 master hosts for the local stack, got ${masters}`;
  }
  if (masters < 3)
    return `expected an odd number of at least 3 master hosts for ${environment}, got ${masters}: the quorum of ${quorumSize(masters)} would tolerate no failure`;
  if (masters % 2 === 0) {
    return `expected an odd number of master hosts for ${environment}, got ${masters}: a quorum of ${quorumSize(masters)} tolerates ${toleratedFailures(masters)} failure(s), no more than ${masters - 1} masters would`;
  }
  return undefined;
}

/**
 * Throws, naming `component` and the stack, when the spec's masters cannot hold a quorum
 * (`quorumProblem`): each quorum part checks it itself, for a spec made by hand too.
 */
export function assertQuorum(
  component: string,
  spec: { stack: string; environment: EnvironmentKind; masters: readonly unknown[] },
): void {
  const problem = quorumProblem(spec.masters.length, spec.environment);
  if (problem !== undefined) throw new Error(`${component} of stack ${spec.stack}: ${problem}`);
}

/**
 * The master whose APIs (Consul's, Marathon's, Chronos's) the machine running `pulumi up` asks: the
 * first one not failed (`failedHosts`), so that a lost master stops no `up` while the others hold
 * the quorum; the first one when every master is failed.
 */
export function apiMaster<T extends { id: string }>(spec: {
  masters: readonly T[];
  failedHosts?: readonly string[];
}): T {
  const failed = new Set(spec.failedHosts ?? []);
  return spec.masters.find((m) => !failed.has(m.id)) ?? spec.masters[0];
}
