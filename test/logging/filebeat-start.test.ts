// Filebeat's start script: which start events make it start Filebeat again (its filter run by
// bash on events as the Engine writes them), and how it runs Filebeat.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  FilebeatStartOptions,
  renderFilebeatStartScript,
  shippedNamesFilter,
} from "../../components/logging/filebeat-start";

const options: FilebeatStartOptions = {
  stack: "local",
  hostId: "slave-1",
  shipsUnplaced: false,
  windowSeconds: 10,
  maxStarts: 3,
};

/** A start event of `/events`, as the Engine writes it: one JSON object a line. */
function startEvent(name: string, labels: Record<string, string>): string {
  return JSON.stringify({
    status: "start",
    id: `${name}-id`,
    from: "lhcb-platform/dirac:9.1.22",
    Type: "container",
    Action: "start",
    Actor: {
      ID: `${name}-id`,
      Attributes: { image: "lhcb-platform/dirac:9.1.22", name, ...labels },
    },
    scope: "local",
    time: 1764921600,
    timeNano: 1764921600123456800,
  });
}

const events = [
  startEvent("local-cs-slave-1-1a2b3c4d", {
    "platform.stack": "local",
    "platform.service": "configuration-server",
    "platform.host": "slave-1",
  }),
  startEvent("local-se-slave-2-5e6f7a8b", {
    "platform.stack": "local",
    "platform.service": "datamanagement-storageelement",
    "platform.host": "slave-2",
  }),
  startEvent("mesos-local-sample-web", {
    "platform.stack": "local",
    "platform.service": "sample-web",
  }),
  startEvent("local-cs-slave-1-1a2b3c4d", {
    "platform.stack": "local",
    "platform.service": "configuration-server",
    "platform.host": "slave-1",
  }),
].join("\n");

/** The names the filter of `o` prints for `events`. */
function namesFor(o: FilebeatStartOptions): string[] {
  const r = spawnSync("bash", ["-c", shippedNamesFilter(o)], { input: events, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l !== "");
}

test("the start events that make Filebeat start again: its own host's containers, once each", () => {
  assert.deepEqual(namesFor(options), ["local-cs-slave-1-1a2b3c4d"]);
});

test("the Filebeat that ships the containers no host label places counts theirs too", () => {
  assert.deepEqual(namesFor({ ...options, shipsUnplaced: true }), [
    "local-cs-slave-1-1a2b3c4d",
    "mesos-local-sample-web",
  ]);
});

test("the script asks the Engine through the proxy for the stack's service containers started since Filebeat did, after its window", () => {
  const script = renderFilebeatStartScript(options);
  assert.equal(spawnSync("bash", ["-n"], { input: script }).status, 0, "bash accepts it");
  assert.ok(
    script.startsWith("#!/bin/bash\n# Filebeat of local on slave-1; generated, do not edit\n"),
  );
  assert.ok(
    script.includes(
      `--data-urlencode 'filters={"type":["container"],"event":["start"],"label":["platform.stack=local","platform.service"]}'`,
    ),
  );
  assert.ok(
    script.includes(
      "curl -fsS --max-time 10 --unix-socket /run/docker-api/docker.sock -G http://docker/events",
    ),
  );
  assert.ok(script.includes('  since=$(date +%s.%N)\n  filebeat "$@" &\n'));
  assert.ok(script.includes("  sleep 10 &\n"));
  assert.ok(script.includes("  if [ $starts -ge 3 ]; then\n"));
  assert.ok(script.includes("trap stop TERM INT\n"));
});
