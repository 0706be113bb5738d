// What an instance runs between its deregistration and its container's stop, for each kind of
// image, with the stack's balancers known or not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { instanceDrain } from "../../components/services/instance-drain";

const local = loadPlatformFromStackFile(process.cwd(), "local");
const service = (name: string) => local.services.find((s) => s.name === name)!;

test("with the balancers known, every instance waits until none has it in service; the sample's then give its calls under way 0.5 s", () => {
  assert.equal(
    instanceDrain(local, service("Sample/Web"), true),
    'node -e "$GATE_PROGRAM" || true; sleep 0.5',
  );
  assert.equal(
    instanceDrain(local, service("Configuration/Server"), true),
    'node -e "$GATE_PROGRAM" || true',
  );
});

test("without them, the sample's instances wait a fixed 1.5 s and DIRAC's, which drain themselves, nothing", () => {
  assert.equal(instanceDrain(local, service("Sample/Web"), false), "sleep 1.5");
  assert.equal(instanceDrain(local, service("Configuration/Server"), false), undefined);
});
