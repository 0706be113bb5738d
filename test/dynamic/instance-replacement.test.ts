// Pure parts of a release's instance replacement: when a registration is a new instance's, and
// how a Docker health check test runs as an exec.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newInstance } from "../../components/dynamic/consul-agent-resources";
import { healthTestCommand } from "../../components/dynamic/docker-engine-api";

/** What the engine passes for an input that depends on a resource being replaced. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

test("a registration is a new instance's when its container changed or is being replaced", () => {
  const olds = { meta: { container_id: "aaa", host: "slave-1" } };
  assert.equal(newInstance(olds, { meta: { container_id: "bbb", host: "slave-1" } }), true);
  assert.equal(newInstance(olds, { meta: UNKNOWN as unknown as Record<string, string> }), true);
  assert.equal(newInstance(olds, { meta: { container_id: "aaa", host: "slave-2" } }), false);
  assert.equal(newInstance({ meta: { host: "slave-1" } }, { meta: { host: "slave-2" } }), false);
  assert.equal(newInstance({}, { meta: { container_id: "aaa" } }), false);
});

test("health check tests as exec commands", () => {
  assert.deepEqual(healthTestCommand(["CMD", "platform-service", "ping"]), ["platform-service", "ping"]);
  assert.deepEqual(healthTestCommand(["CMD-SHELL", "curl -fsS http://localhost:8080/ping || exit 1"]), ["/bin/sh", "-c", "curl -fsS http://localhost:8080/ping || exit 1"]);
  assert.equal(healthTestCommand(["NONE"]), undefined);
});
