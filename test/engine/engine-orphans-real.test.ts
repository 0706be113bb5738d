// The orphan sweep of `npm run up` on the real engine: a container, a network and a volume
// labelled with a stack, which the state does not hold, are removed (the container while running,
// holding the network and the volume); what the state holds and other stacks' objects stay.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { docker } from "../../scripts/bench/probes";
import { engineObjectsOf, orphansOf, removeOrphans } from "../../scripts/engine-orphans";

const stack = `orphans-test-${process.pid}`;
const other = `${stack}-other`;
const labelOf = (s: string) => `platform.stack=${s}`;

after(() => {
  for (const s of [stack, other]) {
    const left = engineObjectsOf(s);
    removeOrphans(s, orphansOf(left, new Set()), () => {});
  }
});

test("an orphan container, network and volume of a stack are removed; what the state holds and other stacks' stay", () => {
  const kept = docker("volume", "create", "--label", labelOf(stack), `${stack}-kept`);
  const volume = docker("volume", "create", "--label", labelOf(stack), `${stack}-data`);
  const network = docker("network", "create", "--label", labelOf(stack), `${stack}-net`);
  const container = docker(
    ...["run", "-d", "--name", `${stack}-c`, "--label", labelOf(stack), "--network", network],
    ...["-v", `${volume}:/data`, "-v", `${kept}:/kept`, "lhcb-platform/base:bookworm"],
    ...["sleep", "infinity"],
  );
  const otherVolume = docker("volume", "create", "--label", labelOf(other), `${other}-data`);

  const before = engineObjectsOf(stack);
  assert.deepEqual(before.containers, [{ id: container, name: `${stack}-c` }]);
  assert.deepEqual(before.networks, [{ id: network, name: `${stack}-net` }]);
  assert.deepEqual(before.volumes.sort(), [`${stack}-data`, `${stack}-kept`]);

  const said: string[] = [];
  removeOrphans(stack, orphansOf(before, new Set([kept])), (s) => said.push(s));
  assert.deepEqual(engineObjectsOf(stack), { containers: [], networks: [], volumes: [kept] });
  assert.deepEqual(engineObjectsOf(other).volumes, [otherVolume]);
  assert.deepEqual(said, [
    `stack ${stack}: the engine has 1 container(s), 1 network(s) and 1 volume(s) labelled platform.stack=${stack} that this clone's state does not hold (an interrupted up, or the stack run from another clone); removing them`,
    `  container ${stack}-c (${container.slice(0, 12)})`,
    `  network ${stack}-net (${network.slice(0, 12)})`,
    `  volume ${stack}-data`,
  ]);
});
