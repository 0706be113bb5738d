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
    removeOrphans(orphansOf(left, new Set()), s, () => {});
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
  removeOrphans(orphansOf(before, new Set([kept])), `stack ${stack}`, (s) => said.push(s));
  assert.deepEqual(engineObjectsOf(stack), { containers: [], networks: [], volumes: [kept] });
  assert.deepEqual(engineObjectsOf(other).volumes, [otherVolume]);
  // Any stack's, on the engine named by its socket (as a site host's engine is).
  const anyStack = engineObjectsOf(undefined, "unix:///var/run/docker.sock").volumes;
  assert.ok(anyStack.includes(kept) && anyStack.includes(otherVolume), anyStack.join(", "));
  assert.deepEqual(said, [
    `stack ${stack}: 1 container(s), 1 network(s) and 1 volume(s); removing them`,
    `  container ${stack}-c (${container.slice(0, 12)})`,
    `  network ${stack}-net (${network.slice(0, 12)})`,
    `  volume ${stack}-data`,
  ]);
});
