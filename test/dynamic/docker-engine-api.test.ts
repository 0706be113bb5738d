// Pure parts of the Docker Engine API client and the container provider's diff.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareApiVersions, dockerEndpoint, negotiateApiVersion } from "../../components/dynamic/docker-engine-api";
import { replaceOnAnyChange, stableJson } from "../../components/dynamic/provider-diff";

test("docker host forms", () => {
  assert.deepEqual(dockerEndpoint("unix:///var/run/docker.sock"), { socketPath: "/var/run/docker.sock" });
  assert.deepEqual(dockerEndpoint(""), { socketPath: "/var/run/docker.sock" });
  assert.deepEqual(dockerEndpoint("/run/user/1000/docker.sock"), { socketPath: "/run/user/1000/docker.sock" });
  assert.deepEqual(dockerEndpoint("tcp://10.0.0.5:2375"), { host: "10.0.0.5", port: 2375 });
  assert.deepEqual(dockerEndpoint("tcp://[::1]:2375"), { host: "::1", port: 2375 });
  assert.throws(() => dockerEndpoint("ssh://host"), /unsupported docker host/);
});

test("API version negotiation: the engine's own, capped at 1.44, at least 1.41", () => {
  assert.equal(negotiateApiVersion("1.41"), "1.41");
  assert.equal(negotiateApiVersion("1.43"), "1.43");
  assert.equal(negotiateApiVersion("1.50"), "1.44");
  assert.throws(() => negotiateApiVersion("1.40"), /too old/);
  assert.ok(compareApiVersions("1.9", "1.10") < 0);
});

test("replace on any change, deleting first; key order and undefined keys do not count", () => {
  const olds = { dockerHost: "unix:///s", spec: { name: "c", env: { A: "1", B: "2" } }, containerId: "abc", ipAddress: "1.2.3.4" };
  const keys = ["dockerHost", "spec", "network", "secretFiles"];
  assert.deepEqual(replaceOnAnyChange(keys, olds, { dockerHost: "unix:///s", spec: { env: { B: "2", A: "1" }, name: "c" }, network: undefined }), { changes: false, replaces: [], deleteBeforeReplace: true });
  assert.deepEqual(replaceOnAnyChange(keys, olds, { dockerHost: "unix:///s", spec: { name: "c", env: { A: "1" } }, network: "n" }), { changes: true, replaces: ["spec", "network"], deleteBeforeReplace: true });
  assert.equal(stableJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
});
