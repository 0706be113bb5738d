// The promises of the platform (issue 4), asserted on a scratch copy of the local stack under the
// real engine: one stack for this file, shared by its tests, destroyed at the end. These tests
// assert behaviours (no failed request, hidden, restarted, a leader, no two runs at once), with
// generous bounds; how fast each happens is measured by `npm run bench` (docs/promises.md).
// Needs what `npm run up` prepares: dockerd, the images, the Pulumi CLI.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { pulumiCli, stackWithFreeNetwork } from "../../scripts/engine-stack";
import { Platform } from "../../scripts/bench/platform";
import { agentLockKey } from "../../components/agents/agent-containers";
import {
  agentRuns,
  agentRunStarts,
  consulGet,
  crash,
  docker,
  eventually,
  logsBefore,
  overlaps,
  restartCount,
  sleep,
} from "../../scripts/bench/probes";
import {
  agentLockHolder,
  agentRunsSince,
  dockerKillStaysDown,
  failEveryHealth,
  failHealth,
  hostAddressOn,
  HTTP_SERVICE,
  killConsulServer,
  killInstance,
  killZkLeader,
  CLIENT_TIMEOUT_MS,
  DIRAC_SERVICES,
  diracCycles,
  PROXIED_SERVICE,
  pauseInstance,
  reachEveryInstance,
  reloadsInARow,
  runsDiracAgent,
  waitAllServing,
} from "../../scripts/bench/scenarios";
import { ScratchStack, upScratchStack } from "../../scripts/bench/stack";
import { hangTcpInstance, TCP_SERVICE } from "../../scripts/bench/tcp-hang";

// A name whose local network no other stack on this engine holds (the developer's `local` among them).
const STACK = stackWithFreeNetwork(`promises${process.pid % 100000}`);
let scratch: ScratchStack | undefined;
let p: Platform;

before(async () => {
  const missing =
    "run `npm run up` (or .ci/run) first: it starts the Docker Engine and builds the images and the Pulumi CLI";
  assert.doesNotThrow(
    () => docker("info", "--format", "{{.ServerVersion}}"),
    `no Docker Engine answers; ${missing}`,
  );
  assert.doesNotThrow(
    () => docker("image", "inspect", "lhcb-platform/service:1.0.0", "lhcb-platform/dirac:9.1.22"),
    `the platform images are missing; ${missing}`,
  );
  assert.ok(existsSync(pulumiCli()), `the Pulumi CLI is missing at ${pulumiCli()}; ${missing}`);
  scratch = await upScratchStack(STACK, (m) => console.log(`promises: ${m}`));
  p = scratch.platform;
  assert.equal(p.lbs.length, 2);
  assert.equal(p.instances[HTTP_SERVICE].length, 3);
});

after(async () => {
  if (scratch) await scratch.destroy();
  assert.equal(
    docker("ps", "-a", "--filter", `label=platform.stack=${STACK}`, "-q"),
    "",
    "destroy leaves no container behind",
  );
});

const victims = () => p.instances[HTTP_SERVICE];

test(
  "1. every HAProxy reaches each healthy instance of every service (DIRAC's answering DISET pings); the sample services see the client's address",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const host = hostAddressOn(p);
    const reach = await reachEveryInstance(p);
    // each balancer: the sample's HTTP and PROXY-protocol services, and DIRAC's two services
    assert.deepEqual(
      reach.map((r) => `${r.lb} ${r.service}`),
      p.lbs.flatMap((lb) =>
        [HTTP_SERVICE, PROXIED_SERVICE, ...DIRAC_SERVICES.map((d) => d.key)].map(
          (s) => `${lb} ${s}`,
        ),
      ),
    );
    for (const r of reach) {
      assert.deepEqual(
        [...new Set(r.instances)].sort(),
        p.instances[r.service],
        `${r.lb} → ${r.service}`,
      );
      if (r.service === HTTP_SERVICE)
        assert.deepEqual(
          [...new Set(r.clients)],
          [host],
          `${r.lb}: X-Forwarded-For carries the client's address`,
        );
      if (r.service === PROXIED_SERVICE)
        assert.deepEqual(
          [...new Set(r.clients)],
          [host],
          `${r.lb}: the PROXY protocol carries the client's address`,
        );
    }
    // a balancer spreads the requests: round-robin gives each instance its share
    for (const r of reach.filter((x) => x.service === HTTP_SERVICE)) {
      const counts = p.instances[HTTP_SERVICE].map(
        (i) => r.instances.filter((x) => x === i).length,
      );
      assert.ok(Math.min(...counts) >= 4, `${r.lb}: ${counts.join("/")} of ${r.instances.length}`);
    }
  },
);

test(
  "2. a crashed instance under a steady client: no request fails, it is hidden, Docker restarts it, it serves again",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const r = await killInstance(p, victims()[0]);
    console.log(
      `promises: crash of ${r.victim}: hidden after ${JSON.stringify(r.hiddenMsByLb)} ms, restarted after ${r.restartedMs} ms, serving after ${r.servingAgainMs} ms; ${r.load.requests} requests at ${r.load.rate}/s`,
    );
    // Every request succeeds: HAProxy retries a request that failed before its answer started, and
    // the service writes each answer whole in one write, so a crash cannot cut one half-way.
    assert.equal(r.load.failed, 0, r.load.failures.join("\n"));
    assert.equal(r.cutByCrash, 0);
    assert.ok(r.load.rate >= 100, `the client kept a steady rate (${r.load.rate}/s)`);
    assert.ok(r.restarted, "Docker restarted the crashed container");
    assert.ok(r.hiddenMs < 10_000 && r.servingAgainMs < 60_000);
    // every instance answered during the run, the victim before and after its crash
    assert.deepEqual(Object.keys(r.load.byInstance).sort(), victims());
  },
);

test(
  "2b. `docker kill` is a manual stop: Docker does not restart the container; the balancers hide it",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const victim = victims()[1];
    const r = await dockerKillStaysDown(victim);
    try {
      assert.equal(r.status, "exited");
      assert.equal(r.restarts, 0);
      for (const lb of p.lbs) {
        const csv = await fetch(`http://${p.ip(lb)}:8404/stats;csv`).then((x) => x.text());
        const line = csv.split("\n").find((l) => l.includes(`,${victim},`));
        assert.ok(line === undefined || /,(DOWN|MAINT)/.test(line), `${lb}: ${line}`);
      }
    } finally {
      docker("start", victim);
    }
    // Started again by hand: back in service on every balancer.
    await waitAllServing(p, 120);
  },
);

test(
  "3. a hang that outlasts the client's timeout (docker pause, resumed only after the client stopped): no request fails, it is hidden, and serves again once resumed",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const r = await pauseInstance(p, victims()[2]);
    const np = r.load.nonIdempotent;
    console.log(
      `promises: pause of ${r.victim} for ${r.pausedMs} ms: hidden after ${JSON.stringify(r.hiddenMsByLb)} ms; slowest request ${r.load.maxMs} ms; UP again ${r.servingAgainMs} ms after the unpause; ` +
        `POST (not retried, counted apart): ${np.failed} of ${np.requests} failed`,
    );
    assert.ok(r.pausedMs > CLIENT_TIMEOUT_MS + r.hiddenMs, `paused ${r.pausedMs} ms only`);
    // Every GET answered (one the hung instance held was sent again elsewhere); one request in ten was a POST, counted apart.
    assert.equal(r.load.failed, 0, r.load.failures.join("\n"));
    assert.ok(
      np.requests >= r.load.requests / 10 - 2,
      `${np.requests} POSTs beside ${r.load.requests} GETs`,
    );
    assert.ok(r.hiddenMs < 15_000);
    assert.deepEqual(Object.keys(r.load.byInstance).sort(), victims());
  },
);

test(
  "3. a hang of a DIRAC service's instance (DISET over TCP): connections opened once it is hidden all go to another instance; those open to it are held, the others keep answering",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const victim = p.instances[TCP_SERVICE][0];
    const r = await hangTcpInstance(p, victim);
    console.log(
      `promises: TCP hang of ${victim}: hidden after ${r.hiddenMs} ms; ${r.heldByVictim} open connections held by it; new connections unanswered: ${r.newConnections.unanswered} of ${r.newConnections.total}`,
    );
    assert.ok(r.heldByVictim > 0, "some connections were open to the hung instance");
    assert.deepEqual(
      r.openToOthers.unanswered,
      0,
      `${r.openToOthers.unanswered} of ${r.openToOthers.total} connections to the other instance went unanswered`,
    );
    assert.equal(r.newConnections.total, 2 * 12);
    assert.equal(
      r.newConnections.unanswered,
      0,
      "a new connection went to the hidden instance (or failed)",
    );
    // Resumed: back in service on every balancer.
    await waitAllServing(p, 120);
  },
);

test(
  "4. a failing health check: Consul marks it critical, consul-template re-renders, HAProxy reloads, nothing dropped",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const r = await failHealth(p, victims()[0]);
    console.log(
      `promises: health of ${r.victim} failing: critical in Consul after ${r.consulCriticalMs} ms, out of the live config after ${JSON.stringify(r.configLiveMsByLb)} ms; reloads ${JSON.stringify(r.reloads)}`,
    );
    assert.equal(r.load.failed, 0, r.load.failures.join("\n"));
    // out of the config and back in: each balancer reloaded (at least) twice
    for (const lb of p.lbs) assert.ok(r.reloads[lb] >= 2, `${lb} reloaded ${r.reloads[lb]} times`);
    assert.ok(r.configLiveMs < 20_000 && r.backLiveMs < 20_000);
  },
);

test(
  "4c. every instance of a service fails its checks at once (Consul holds them all critical, the balancers' checks hide them all): the balancers keep sending to them as fallbacks, no request fails; checked again once they pass",
  { timeout: 300_000 },
  async () => {
    await waitAllServing(p);
    const r = await failEveryHealth(p);
    console.log(
      `promises: every ${HTTP_SERVICE} check failing: fallbacks only after ${r.fallbackOnlyMs} ms, checked again ${r.backMs} ms after they passed; ${r.load.failed} of ${r.load.requests} requests failed`,
    );
    assert.equal(r.load.failed, 0, r.load.failures.join("\n"));
    assert.deepEqual(Object.keys(r.load.byInstance).sort(), victims());
  },
);

test(
  "4b. 100 HAProxy reloads in a row under 500 requests a second, on a machine a CPU hog keeps busy, fail no request",
  { timeout: 600_000 },
  async () => {
    await waitAllServing(p);
    const r = await reloadsInARow(p, p.lbs[0], 100, { rate: 500, hogCores: 2 });
    console.log(
      `promises: ${r.reloads} reloads of ${r.lb} under a CPU hog: ${r.load.failed} of ${r.load.requests} requests failed at ${r.load.rate}/s`,
    );
    assert.ok(r.reloads >= 100, `the master reloaded ${r.reloads} times`);
    assert.equal(r.load.failed, 0, r.load.failures.join("\n"));
  },
);

test(
  "5. the ZooKeeper leader crashes: the others elect a new one; the crashed member rejoins",
  { timeout: 300_000 },
  async () => {
    const r = await killZkLeader(p);
    console.log(
      `promises: ZooKeeper leader ${r.killed} crashed; ${r.newLeader} leads after ${r.newLeaderMs} ms`,
    );
    assert.notEqual(r.newLeader, r.killed);
    assert.ok(r.newLeaderMs < 60_000);
  },
);

test(
  "5b. a Consul server crashes: the cluster keeps (or elects) a leader; the server rejoins",
  { timeout: 300_000 },
  async () => {
    const follower = await killConsulServer(p, "follower");
    console.log(
      `promises: Consul follower ${follower.killed} crashed; leader ${follower.newLeader} kept: ${!follower.leaderless}`,
    );
    assert.equal(
      follower.leaderless,
      false,
      "losing a follower never leaves the cluster without its leader",
    );
    const leader = await killConsulServer(p, "leader");
    console.log(
      `promises: Consul leader ${leader.killed} crashed; writes accepted again after ${leader.newLeaderMs} ms, ${leader.newLeader} leads`,
    );
    // A leader again, whichever: Docker restarts the crashed server within about half a second, in
    // time for the election, which it may win again.
    assert.ok(p.consulServers.includes(leader.newLeader), leader.newLeader);
    assert.ok(leader.newLeaderMs < 60_000);
    // the catalog still answers
    assert.ok(
      Array.isArray(
        await consulGet(p.ip(p.consulServers[0]), `/v1/health/service/${HTTP_SERVICE}?passing`),
      ),
    );
  },
);

test(
  "7. an agent every 10 s whose run takes 25 s never runs twice at once, also when the lock holder is killed mid-run",
  { timeout: 600_000 },
  async () => {
    const key = "sample-longrun";
    const name = "Sample/LongRun";
    assert.equal(p.agents[key].length, 2, "the agent runs on two hosts");
    const since = Date.now() - 60_000 * 60;
    // a run under way: kill its container (a crash; Docker restarts it) about 10 s into its 25 s
    let holder: string | undefined;
    await eventually(
      "a run of the agent 10 s in",
      120,
      async () => {
        const h = await agentLockHolder(p, key);
        if (!h) return undefined;
        const last = agentRunStarts(h, name).at(-1);
        const into = last ? Date.now() - last.start : Infinity;
        if (into > 12_000) return undefined;
        await sleep(Math.max(0, 10_000 - into));
        holder = h;
        return true;
      },
      1000,
    );
    assert.ok(holder);
    assert.equal(await agentLockHolder(p, key), holder, "the run still holds the lock mid-run");
    const restarts = restartCount(holder);
    const kills = [{ container: holder, at: crash(holder) }];
    // runs go on after the kill: wait for two complete runs that started after it
    await eventually(
      "two runs recorded after the kill",
      240,
      async () => {
        const v = agentRunsSince(p, key, name, kills[0].at, []);
        return v.runs.filter((r) => r.recorded).length >= 2 ? true : undefined;
      },
      2000,
    );
    assert.ok(restartCount(holder) > restarts, "Docker restarted the killed agent container");
    const view = agentRunsSince(p, key, name, since, kills);
    console.log(
      `promises: agent runs: ${view.runs.map((r) => `${r.instance.replace(/^.*-/, "")} ${new Date(r.start).toISOString().slice(11, 19)}-${new Date(r.end).toISOString().slice(11, 19)}${r.recorded ? "" : " (killed)"}`).join(", ")}`,
    );
    assert.ok(
      view.runs.some((r) => !r.recorded && r.instance === holder),
      "the killed run is seen (started, never recorded)",
    );
    assert.ok(view.records >= 2);
    assert.deepEqual(overlaps(view.runs), [], "no two runs at once");
    // a run lasts its 25 s (the recorded ones after the kill)
    for (const r of view.runs.filter((x) => x.recorded && x.start > kills[0].at))
      assert.ok(r.end - r.start >= 24_000, `${r.instance} ran ${r.end - r.start} ms`);
    // the first run after the kill waited for the dead holder's lock to expire
    const next = view.runs.find((r) => r.start > kills[0].at);
    assert.ok(
      next && next.start - kills[0].at >= 5_000,
      "the lock of the killed run is not taken over at once (session TTL, lock-delay)",
    );
  },
);

test(
  "8. DIRAC's agents run: a loop agent in one container at a time, taken over when its holder's host is lost; a cycle agent one cycle per firing, under the lock",
  { timeout: 400_000 },
  async () => {
    const loop = {
      key: "transformation-transformationagent",
      name: "Transformation/TransformationAgent",
    };
    const cycle = { key: "transformation-inputdataagent", name: "Transformation/InputDataAgent" };
    assert.equal(p.agents[loop.key].length, 2, "the loop agent has a container on two hosts");
    const running = () => p.agents[loop.key].filter((c) => runsDiracAgent(c, loop.name));
    const holder = await eventually(
      "a holder of the loop agent's lock",
      120,
      () => agentLockHolder(p, loop.key),
      1000,
    );
    await eventually(
      "DIRAC's agent running in the holder, not in the other container",
      60,
      async () => (running().join() === holder ? true : undefined),
      1000,
    );
    // DIRAC's own loop: a cycle every PollingTime (10 s)
    const before = diracCycles(holder);
    await eventually(
      "two more cycles",
      60,
      async () => (diracCycles(holder) >= before + 2 ? true : undefined),
      2000,
    );
    // the holder's host is lost (`docker kill`: Docker does not restart it): the other container
    // takes the lock once the dead holder's session has ended, and runs DIRAC's agent
    const other = p.agents[loop.key].find((c) => c !== holder)!;
    const killedAt = Date.now();
    docker("kill", holder);
    await eventually(
      "the other container holds the lock",
      90,
      async () => ((await agentLockHolder(p, loop.key)) === other ? true : undefined),
      500,
    );
    const tookMs = Date.now() - killedAt;
    console.log(`promises: the loop agent was taken over ${tookMs} ms after its holder was killed`);
    // Consul ends the dead holder's session within twice its 10 s TTL, then the 5 s lock-delay
    if (tookMs > 30_000) console.log(logsBefore(p.consulServers, Date.now(), 60));
    assert.ok(
      tookMs >= 5_000,
      `taken over after ${tookMs} ms: not before the session's lock-delay`,
    );
    await eventually(
      "DIRAC's agent running in the new holder",
      60,
      async () => (running().join() === other ? true : undefined),
      1000,
    );
    // the lost host back: its container stands by, DIRAC's agent runs in the holder alone
    docker("start", holder);
    await sleep(10_000);
    assert.equal(await agentLockHolder(p, loop.key), other);
    assert.deepEqual(running(), [other]);
    // the cycle agent: one cycle per run, each at a firing (each minute), no two at once
    const lockKey = agentLockKey({ stack: p.stack }, { key: cycle.key });
    const runs = await eventually(
      "two recorded runs of the cycle agent",
      150,
      async () => {
        const r = agentRuns(p.consulServers[0], lockKey);
        return r.length >= 2 ? r : undefined;
      },
      2000,
    );
    for (const r of runs) {
      assert.deepEqual([r.status, r.cycles], ["ok", 1], `run ${r.key}`);
      // each run is its firing's, on a whole minute; it starts once Consul gives it the lock, so
      // after its firing and before the next
      assert.ok(
        r.firing !== undefined && r.firing % 60_000 === 0,
        `run ${r.key}: firing ${r.firing}`,
      );
      const lag = r.start - r.firing;
      console.log(`promises: cycle run ${r.key} started ${lag} ms after its firing`);
      if (lag > 3_000) console.log(logsBefore(p.consulServers, r.start));
      assert.ok(lag >= 0 && lag < 60_000, `run ${r.key} starts ${lag} ms after its firing`);
    }
    assert.equal(new Set(runs.map((r) => r.firing)).size, runs.length, "one run per firing");
    assert.deepEqual(overlaps(runs), [], "no two runs at once");
  },
);
