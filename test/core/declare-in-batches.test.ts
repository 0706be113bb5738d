// Declaring in batches: every item is declared, a batch per turn of the event loop, and a resource
// that depends on a BatchedComponent depends on all of its children, also those of later batches.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { dependenciesOf, installMocks, settle, valueOf } from "../support/mocks";

const declared = installMocks();
import {
  BatchedComponent,
  DECLARE_BATCH,
  declareInBatches,
} from "../../components/core/declare-in-batches";

class Thing extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, {}, opts);
  }
}

class Things extends BatchedComponent {
  /** What the children are declared into; `things` is the public record. */
  public readonly declaredSoFar: Thing[] = [];
  public get things(): Thing[] {
    this.completeNow();
    return this.declaredSoFar;
  }
  constructor(name: string, count: number, failAt?: number) {
    super("test:index:Things", name, {});
    this.declareChildren(
      Array.from({ length: count }, (_, i) => i),
      (i) => {
        if (i === failAt) throw new Error(`thing ${i} cannot be declared`);
        this.declaredSoFar.push(new Thing(`${name}-${i}`, { parent: this }));
      },
    );
    this.registerOutputs({});
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("declareInBatches declares the first batch at once and one more batch per turn of the event loop", async () => {
  const seen: number[] = [];
  const all = declareInBatches([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], (i) => seen.push(i), 4);
  assert.deepEqual(seen, [0, 1, 2, 3]);
  await nextTurn();
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
  await all;
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(
    () => declareInBatches([1], () => undefined, 0),
    /batch must be a positive integer, got 0/,
  );
});

test("a BatchedComponent declares every child, and a dependent waits for all of them", async () => {
  const count = DECLARE_BATCH * 3 + 1;
  const things = new Things("many", count);
  assert.equal(
    things.declaredSoFar.length,
    DECLARE_BATCH,
    "the first batch is declared in the constructor",
  );
  const dependent = new Thing("dependent", { dependsOn: [things] });
  await things.declared;
  assert.equal(things.things.length, count);
  await settle(declared);
  assert.deepEqual(
    declared
      .filter((r) => r.type === "test:index:Thing" && r.name.startsWith("many-"))
      .map((r) => r.name),
    Array.from({ length: count }, (_, i) => `many-${i}`),
  );
  await valueOf(dependent.urn);
  // What the dependent's registration carries to the engine: every child, those of later batches too.
  assert.deepEqual(
    dependenciesOf("dependent"),
    Array.from({ length: count }, (_, i) => `many-${i}`).sort(),
  );
});

test("an error in a later batch rejects `declared` and stops the declaration there", async () => {
  const failAt = DECLARE_BATCH + 1;
  const things = new Things("failing", DECLARE_BATCH * 3, failAt);
  await assert.rejects(things.declared, new Error(`thing ${failAt} cannot be declared`));
  assert.equal(things.declaredSoFar.length, failAt);
});

test("reading a BatchedComponent's record declares the rest of its children at once: the record is complete, and each child is declared once", async () => {
  const count = DECLARE_BATCH * 4 + 1;
  const things = new Things("read", count);
  assert.equal(things.declaredSoFar.length, DECLARE_BATCH);
  assert.deepEqual(
    things.things.map((t) => t.urn !== undefined),
    Array.from({ length: count }, () => true),
  );
  await things.declared;
  assert.equal(things.things.length, count);
  await settle(declared);
  assert.deepEqual(
    declared.filter((r) => r.name.startsWith("read-")).map((r) => r.name),
    Array.from({ length: count }, (_, i) => `read-${i}`),
  );
});

test("reading a record whose next child fails throws that child's error to the reader, and `declared` rejects with it", async () => {
  const failAt = DECLARE_BATCH + 1;
  const things = new Things("read-failing", DECLARE_BATCH * 3, failAt);
  const error = new Error(`thing ${failAt} cannot be declared`);
  assert.throws(() => things.things, error);
  await assert.rejects(things.declared, error);
  assert.equal(things.declaredSoFar.length, failAt);
});
