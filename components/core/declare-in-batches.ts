import * as pulumi from "@pulumi/pulumi";
import { withoutStackTraces } from "./stack-traces";

/**
 * Declaring hundreds of resources without holding all of their registrations in memory at once.
 *
 * A resource constructor only starts its registration: @pulumi/pulumi serializes the inputs and
 * sends the request on later turns of the microtask queue. Constructors that run back to back for
 * the whole platform therefore leave every registration pending at once, and all of them are then
 * serialized in one lockstep pass: at the paper's scale that pass made a few hundred MiB of
 * short-lived promises live together, which the collector promoted to the old generation
 * (docs/scale.md).
 *
 * `declareInBatches` declares a first batch at once and each further batch on a later turn of the
 * event loop. By then the previous batch's registrations have been serialized and handed to the
 * engine (under mocks they have completed), so only one batch's worth is pending at a time. It does
 * not wait for any resource to be created: the engine gets the same registrations, with the same
 * dependencies, a few milliseconds apart, and deploys them with the same parallelism.
 */

/** Items declared per turn of the event loop. */
export const DECLARE_BATCH = 2;

/** A declaration under way: what `startBatches` returns. */
export interface Batches {
  /** Settles once the last item is declared; rejects with the error of a batch that failed. */
  readonly done: Promise<void>;
  /** Declares every item not declared yet, now (a reader wants them all); the batches stop. */
  flush(): void;
}

/**
 * Calls `declare` on every item, `batch` items per turn of the event loop, with stack traces paused
 * (core/stack-traces.ts). The first batch is declared before this returns; `flush` declares the
 * rest at once. The Pulumi runtime stays connected until the last item is declared.
 */
export function startBatches<T>(
  items: readonly T[],
  declare: (item: T) => void,
  batch = DECLARE_BATCH,
): Batches {
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`declareInBatches: batch must be a positive integer, got ${batch}`);
  let next = 0;
  // An item whose declaration throws stops the declaration: the batches, and `done`, end with it.
  let failure: { error: unknown } | undefined;
  const declareUpTo = (end: number) =>
    withoutStackTraces(() => {
      if (failure) throw failure.error;
      try {
        while (next < Math.min(end, items.length)) declare(items[next++]);
      } catch (error) {
        failure = { error };
        throw error;
      }
    });
  declareUpTo(batch);
  if (next >= items.length) return { done: Promise.resolve(), flush: () => undefined };
  const keepAlive = pulumi.runtime.rpcKeepAlive();
  const done = (async () => {
    try {
      while (next < items.length || failure) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        declareUpTo(next + batch);
      }
    } finally {
      keepAlive();
    }
  })();
  return { done, flush: () => declareUpTo(items.length) };
}

/** `startBatches(...).done`: declares every item in batches and settles once the last one is. */
export function declareInBatches<T>(
  items: readonly T[],
  declare: (item: T) => void,
  batch = DECLARE_BATCH,
): Promise<void> {
  return startBatches(items, declare, batch).done;
}

/** The resolvers of `BatchedComponent`s whose children are not all declared yet. */
const pending = new WeakMap<pulumi.ComponentResource, (declared: Promise<void>) => void>();

/**
 * A component that declares its many similar children with `declareChildren` (in batches, see
 * above). A resource that `dependsOn` the component waits, as for any component, for all of its
 * children: @pulumi/pulumi collects a component's children once its `initialize` has settled, and
 * here that is when the last batch is declared.
 */
export abstract class BatchedComponent extends pulumi.ComponentResource<void> {
  private batches?: Batches;

  /** Called by `ComponentResource` during `super()`: settles when `declareChildren` has declared everything. */
  protected override async initialize(): Promise<void> {
    await new Promise<void>((resolve) => pending.set(this, resolve));
  }

  /** Settles once every child is declared; rejects with the error of a batch that failed. */
  public get declared(): Promise<void> {
    return this.getData();
  }

  /** Declares `items` in batches (`declareInBatches`). Call once, from the constructor. */
  protected declareChildren<T>(
    items: readonly T[],
    declare: (item: T) => void,
    batch = DECLARE_BATCH,
  ): void {
    const settle = pending.get(this);
    if (settle === undefined)
      throw new Error(
        `${this.constructor.name}: declareChildren may be called once, from the constructor`,
      );
    pending.delete(this);
    this.batches = startBatches(items, declare, batch);
    settle(this.batches.done);
  }

  /**
   * Declares the children not declared yet, now: a public record of them calls this before it is
   * read, so a reader never sees part of it (the batches are a memory measure, not an API).
   */
  protected completeNow(): void {
    this.batches?.flush();
  }

  /**
   * The entries of `record` (a record this component fills as it declares) at `keys`, each once
   * every child is declared: what a later part waits for, without declaring them all now.
   */
  protected onceDeclared<T>(record: Record<string, T>, keys: readonly string[]): Promise<T>[] {
    return keys.map((key) => this.declared.then(() => record[key]));
  }
}

/** `<key>/<host id>` of each item, grouped by host id: how the batched parts key their records. */
export function keysByHost<T extends { hostId: string }>(
  items: readonly T[],
  keyOf: (item: T) => string,
): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  for (const item of items) {
    const keys = byHost.get(item.hostId) ?? [];
    keys.push(`${keyOf(item)}/${item.hostId}`);
    byHost.set(item.hostId, keys);
  }
  return byHost;
}
