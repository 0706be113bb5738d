// The HTTP health bridge's client of the service's own ping (SelfPing in
// images/service/platform_sample/bridge.py), run by Python against a service of the test's that counts
// the pings it answers and can be made slow or silent: checks that arrive while a ping is under
// way share it, a checker that leaves does not cancel it, a silent service fails each shared
// ping after the timeout, and the bridge logs slow pings and every change of outcome.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const SAMPLE = join(__dirname, "..", "..", "images", "service");
// platform_agent, which the sample imports: installed beside it in the image.
const SHARED = join(__dirname, "..", "..", "images", "shared");

/** Runs `body` (Python, in an async function with `bridge` = the module, `service` a fake) and returns what it printed as JSON. */
function python(body: string): unknown {
  const program = `
import asyncio, json, sys
sys.path[:0] = [${JSON.stringify(SHARED)}, ${JSON.stringify(SAMPLE)}]
from platform_sample import bridge
logged = []
bridge.log = logged.append

class Fake:
    """A line service: answers each 'ping' after 'delay' seconds, or never when 'silent'."""
    def __init__(self):
        self.pings, self.delay, self.silent = 0, 0.0, False
    async def serve(self, reader, writer):
        while (line := await reader.readline()):
            self.pings += 1
            if self.silent:
                continue
            await asyncio.sleep(self.delay)
            writer.write(b'{"status": "ok"}\\n')

async def main():
    service = Fake()
    server = await asyncio.start_server(service.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
${body
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}

print(json.dumps(asyncio.run(main())))
`;
  // No __pycache__ beside the image's sources (it would change the image's source hash).
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
  const r = spawnSync("python3", ["-c", program], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("checks that come while a ping is under way share it; the next check pings anew", () => {
  const out = python(`
pinger = bridge.SelfPing(port, False)
service.delay = 0.3
first = await asyncio.gather(*[pinger.ping() for _ in range(20)])
after_first = service.pings
second = await pinger.ping()
return {"answers": sorted(set(ok for ok, _ in first)), "count": len(first),
        "pings_for_20": after_first, "pings_after_one_more": service.pings, "second": second[0]}
`);
  assert.deepEqual(out, {
    answers: [true],
    count: 20,
    pings_for_20: 1,
    pings_after_one_more: 2,
    second: true,
  });
});

test("a checker that gives up does not cancel the ping the others wait for", () => {
  const out = python(`
pinger = bridge.SelfPing(port, False)
service.delay = 0.3
leaving = asyncio.ensure_future(pinger.ping())
staying = asyncio.ensure_future(pinger.ping())
await asyncio.sleep(0.1)
leaving.cancel()
ok, _ = await staying
return {"staying": ok, "pings": service.pings, "left": leaving.cancelled()}
`);
  assert.deepEqual(out, { staying: true, pings: 1, left: true });
});

test("a silent service fails the shared ping after the timeout, once for all checks; the bridge says so and when it is back", () => {
  const out = python(`
pinger = bridge.SelfPing(port, False, timeout=0.8)
first = await pinger.ping()
service.silent = True
loop = asyncio.get_running_loop()
started = loop.time()
failed = await asyncio.gather(*[pinger.ping() for _ in range(10)])
took = loop.time() - started
service.silent = False
service.delay = 0.6
slow = await pinger.ping()
service.delay = 0.0
quick_again = await asyncio.gather(*[pinger.ping() for _ in range(3)])
service.delay = 0.6
slow_again = await pinger.ping()
return {"first": first[0], "failed": sorted(set(ok for ok, _ in failed)), "within": 0.75 < took < 1.3,
        "pings": service.pings, "slow": [slow[0], slow_again[0]],
        "logged": [l.split(":")[0] + ":" + l.split(":")[1].split(" after ")[0] for l in logged]}
`);
  assert.deepEqual(out, {
    first: true,
    failed: [false],
    within: true,
    // the first ping, one shared ping for the ten checks, the slow one on a new connection, one
    // shared by three quick checks, the second slow one
    pings: 5,
    slow: [true, true],
    // changes of outcome, and the slow ping whose outcome did not change; not the quick ones
    logged: [
      "health bridge: ping ok",
      "health bridge: ping failed",
      "health bridge: ping ok",
      "health bridge: ping ok",
    ],
  });
});
