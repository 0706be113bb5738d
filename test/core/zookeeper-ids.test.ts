// ZooKeeper's ids: a master's place among the masters unless its entry pins one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { masterPlace, zookeeperIdOf, zookeeperIds } from "../../components/core/zookeeper-ids";

const masters = [{ id: "m1" }, { id: "m2", zookeeperId: 7 }, { id: "m3" }];

test("each master's id is its place from 1, or the id its entry pins", () => {
  assert.deepEqual(zookeeperIds(masters), [1, 7, 3]);
  assert.deepEqual(zookeeperIds([{}, {}]), [1, 2]);
});

test("one master's id is looked up by its host's id", () => {
  assert.equal(zookeeperIdOf(masters, "m1"), 1);
  assert.equal(zookeeperIdOf(masters, "m2"), 7);
  assert.equal(zookeeperIdOf(masters, "m3"), 3);
});

test("a master's place among the masters is from 1, whatever id it pins", () => {
  assert.deepEqual(
    masters.map((h) => masterPlace(masters, h.id)),
    [1, 2, 3],
  );
});

test("a host that is no master has no id: asking for one is a program error naming it", () => {
  for (const ask of [zookeeperIdOf, masterPlace])
    assert.throws(() => ask(masters, "slave-1"), {
      message: "slave-1 is no master: it has no ZooKeeper id",
    });
});
