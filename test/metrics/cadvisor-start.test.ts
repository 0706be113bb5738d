// cAdvisor's start, run by the real /bin/sh: it waits for its Docker API proxy's socket, then runs
// the program found on the PATH with the container's command; a stand-in `cadvisor` records when.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { DOCKER_API_SOCKET } from "../../components/hosts/docker-api-proxy";
import { cadvisorEntrypoint } from "../../components/metrics/cadvisor";
import { tempDir } from "../../scripts/temp-dir";

test("cAdvisor starts only once the proxy's socket exists, with -logtostderr and its flags", async () => {
  const dir = tempDir("cadvisor-start-");
  const socket = join(dir, "docker.sock");
  writeFileSync(join(dir, "cadvisor"), '#!/bin/sh\necho "ran $*"\n');
  chmodSync(join(dir, "cadvisor"), 0o755);
  const [shell, ...rest] = cadvisorEntrypoint().map((w) => w.replaceAll(DOCKER_API_SOCKET, socket));
  const started = Date.now();
  const child = spawn(shell, [...rest, "-port=8080"], {
    env: { PATH: `${dir}:${process.env.PATH ?? ""}` },
  });
  let out = "";
  let ranAt = 0;
  child.stdout.on("data", (d) => {
    out += d;
    ranAt ||= Date.now();
  });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(out, "", "not before the socket exists");
  const server = createServer().listen(socket);
  const socketAt = Date.now();
  await new Promise((r) => child.on("close", r));
  server.close();
  assert.equal(out, "ran -logtostderr -port=8080\n");
  assert.ok(
    ranAt >= socketAt,
    `ran ${ranAt - started} ms after the start, the socket at ${socketAt - started}`,
  );
});
