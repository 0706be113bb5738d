// Per-key parts declared on first use (core/declared-on-use.ts): once per key, by whichever comes
// first, a consumer's batch or the owner's own batches, and always as children of the owner.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "../support/mocks";

const declared = installMocks();
import { BatchedComponent } from "../../components/core/declare-in-batches";
import { DeclaredOnUse } from "../../components/core/declared-on-use";

test("a key's part is declared once, on first use; an unknown key is refused", () => {
  const calls: string[] = [];
  const parts = new DeclaredOnUse("host", ["a", "b"], (key) => {
    calls.push(key);
    return { key };
  });
  assert.equal(parts.has("b"), false);
  const b = parts.get("b");
  assert.equal(parts.get("b"), b);
  assert.deepEqual(calls, ["b"]);
  assert.equal(parts.has("b"), true);
  assert.equal(parts.has("a"), false);
  assert.equal(parts.knows("a"), true);
  assert.equal(parts.knows("c"), false);
  assert.throws(() => parts.get("c"), new Error('unknown host "c"'));
  assert.deepEqual(calls, ["b"]);
});

class Engine extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Engine", name, {}, opts);
  }
}

class Part extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Part", name, {}, opts);
  }
}

/** Declares an engine per host on use, and the remaining ones in its own batches. */
class Inventory extends BatchedComponent {
  public readonly engines: DeclaredOnUse<Engine>;
  public readonly order: string[] = [];
  constructor(name: string, hosts: string[]) {
    super("test:index:Inventory", name, {});
    this.engines = new DeclaredOnUse("host", hosts, (host) => {
      this.order.push(host);
      return new Engine(`${name}-${host}`, { parent: this });
    });
    this.declareChildren(hosts, (host) => this.engines.get(host));
    this.registerOutputs({});
  }
}

/** Places a part on each host, in the order given, each waiting for its host's engine. */
class Parts extends BatchedComponent {
  constructor(name: string, inventory: Inventory, hosts: string[]) {
    super("test:index:Parts", name, {});
    this.declareChildren(
      hosts,
      (host) =>
        new Part(`${name}-${host}`, { parent: this, dependsOn: [inventory.engines.get(host)] }),
    );
    this.registerOutputs({});
  }
}

test("every engine is declared exactly once, by a consumer's batch or the owner's, as a child of the owner", async () => {
  const hosts = Array.from({ length: 9 }, (_, i) => `h${i}`);
  const inventory = new Inventory("inv", hosts);
  const parts = new Parts("parts", inventory, [...hosts].reverse());
  // Both declare 2 per turn: the consumer, from the other end, reaches most hosts first.
  assert.deepEqual(inventory.order, ["h0", "h1", "h8", "h7"]);
  await Promise.all([inventory.declared, parts.declared]);
  await settle(declared);
  assert.deepEqual([...inventory.order].sort(), hosts);
  const engines = declared.filter((r) => r.type === "test:index:Engine").map((r) => r.name);
  assert.deepEqual(
    [...engines].sort(),
    hosts.map((h) => `inv-${h}`),
  );
  assert.deepEqual(declared.filter((r) => r.type === "test:index:Part").length, hosts.length);
  assert.equal(
    await valueOf(inventory.engines.get("h5").urn),
    "urn:pulumi:test::lhcb-platform::test:index:Inventory$test:index:Engine::inv-h5",
  );
});
