// RolloutTimeline: the engine's events of a release's `up` → each instance's replacement window.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { RolloutTimeline } from "../../scripts/release";

const URN =
  "urn:pulumi:local::lhcb-platform::lhcb-platform:index:Platform$lhcb-platform:services:ServiceInstances$consul:index/service:Service::";
const pre = (name: string, op: string) =>
  ({ resourcePreEvent: { metadata: { op, urn: URN + name } } }) as unknown as EngineEvent;
const done = (name: string, op: string) =>
  ({ resOutputsEvent: { metadata: { op, urn: URN + name } } }) as unknown as EngineEvent;

test("an instance's window runs from its registration's delete to its new registration's create", async () => {
  const t = new RolloutTimeline();
  const events = [
    pre("platform-services-web-slave-1-registration", "delete-replaced"),
    pre("platform-services-web-slave-1", "delete-replaced"), // the container: not a window's edge
    done("platform-services-web-slave-1-registration", "delete-replaced"),
    done("platform-services-web-slave-1-registration", "create-replacement"),
    pre("platform-services-web-slave-2-registration", "delete-replaced"),
    pre("platform-agents-cleaner-slave-1", "delete-replaced"), // an agent: no registration
    done("platform-services-web-slave-2-registration", "create-replacement"),
    pre("platform-services-api-slave-3-registration", "delete-replaced"), // never served again
  ];
  for (const e of events) {
    t.onEvent(e);
    await new Promise((r) => setTimeout(r, 5));
  }
  const r = t.replacements();
  assert.deepEqual(
    r.map((x) => x.instance),
    ["platform-services-web-slave-1", "platform-services-web-slave-2"],
  );
  assert.ok(
    r[0].drained < r[0].serving && r[0].serving <= r[1].drained && r[1].drained < r[1].serving,
    JSON.stringify(r),
  );
});
