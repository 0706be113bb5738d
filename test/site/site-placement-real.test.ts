// Placement changes on the multi-host site under a steady client through both balancers: a slave
// taken out of the inventory and added back (`pulumi up` moves only its instances), and a slave
// lost with the watcher running (`npm run watch-hosts`), which re-places its instances without an
// operator and takes the replacements away once the slave is back; meanwhile an `up` that changes
// every instance leaves the lost slave's as deployed, which take the change once it is back; and
// the master the engine asks lost with the watcher running, which marks it failed, so that a change
// to every instance goes through the next master; and a slave gone for good, listed in `lostHosts`
// and then taken out of the inventory, which `pulumi up` forgets without reaching it; and one in
// `lostHosts` that comes back after all, whose containers a change made meanwhile replaces once it
// is out of `lostHosts`. Each test leaves the site whole.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { consulNodeName } from "../../components/consul/consul-containers";
import { containerName } from "../../components/core/endpoints";
import { PlatformSpec } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { engineEnv, PROJECT_ROOT } from "../../scripts/engine-stack";
import { publishImage } from "../../scripts/publish-image";
import { loseHost, restoreHost } from "../../scripts/site/faults";
import { siteRegistryLogin } from "../../scripts/site/registry";
import {
  DeployedSite,
  deploySite,
  guardRulesLeft,
  HostEntry,
  hostsOfStackFile,
  removeSite,
  site,
  upWithHosts,
  upWithHostsSaying,
  urnsNaming,
} from "../support/site-fixture";
import {
  answerOnceItHolds,
  consulMemberStatuses,
  containersOn,
  onHost,
  serversOf,
  siteDiagnosis,
  timeUntil,
  underSteadyClient,
  whitelistOn,
} from "../support/site-probes";

let deployed: DeployedSite | undefined;
let spec: PlatformSpec;

before(async () => {
  deployed = await deploySite("placement");
  spec = deployed.spec;
});

after(() => removeSite(deployed));

/** The plan of the scratch stack's file as it is now (physical names from the scratch stack). */
const currentSpec = () => loadPlatformFromStackFile(PROJECT_ROOT, deployed!.stack.name);

/** Every service instance and agent container the plan places: `host/name`. */
function instances(s: PlatformSpec): Set<string> {
  return new Set(
    [...s.services, ...s.agents].flatMap((e) =>
      e.hosts.map((h) => `${h}/${containerName(s, e.key, h)}`),
    ),
  );
}

/** The stack's containers on every slave: `host/name` → container id. */
async function slaveContainers(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const h of spec.slaves)
    for (const [name, id] of await containersOn(site, spec, h.id)) all.set(`${h.id}/${name}`, id);
  return all;
}

/**
 * Runs `change` under a steady client on the HTTP service through both balancers; asserts none
 * failed. Where `change` fails with `victim` given, the site is put back first (`putBack`).
 */
async function steadily(change: () => Promise<void>, victim?: string): Promise<void> {
  const http = spec.services.find((s) => s.protocol === "http")!;
  const urls = spec.loadBalancers.map((lb) => `http://${lb.address}:${http.port}/`);
  const summary = await underSteadyClient(urls, { site, spec }, () =>
    victim === undefined ? change() : puttingBackOnFailure(victim, change),
  );
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
}

/** `npm run orphans` of the scratch stack on the engine at `address`: its result and seconds. */
function clearOrphans(address: string) {
  const t = Date.now();
  const cleared = spawnSync(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "scripts", "engine-orphans.ts")].concat([
      deployed!.stack.name,
      "--host",
      `ssh://root@${address}`,
    ]),
    { cwd: PROJECT_ROOT, env: { ...process.env, ...engineEnv() }, encoding: "utf8" },
  );
  return { cleared, seconds: (Date.now() - t) / 1000 };
}

/**
 * After a test failed partway: `victim` up again, cleared of the stack's containers where it had
 * left the inventory, and an `up` with every host of `allHosts` and none down, so that the next
 * test starts from the whole site and the destroy reaches every host. Says what it could not do.
 */
async function putBack(victim: string, allHosts: HostEntry[]): Promise<void> {
  try {
    await restoreHost(site, victim);
    if (!hostsOfStackFile(deployed!).some((h) => h.id === victim)) {
      const { cleared } = clearOrphans(allHosts.find((h) => h.id === victim)!.address);
      if (cleared.status !== 0) throw new Error(`npm run orphans: ${cleared.stderr}`);
    }
    await upWithHosts(deployed!, allHosts, { failedHosts: [], lostHosts: [] });
  } catch (e) {
    console.error(`the site not put back after the failure: ${(e as Error).message}`);
  }
}

/** Runs `body`; where it fails, puts the site back (`putBack`) before rethrowing. */
async function puttingBackOnFailure(victim: string, body: () => Promise<void>): Promise<void> {
  const allHosts = hostsOfStackFile(deployed!);
  try {
    await body();
  } catch (e) {
    await putBack(victim, allHosts);
    throw e;
  }
}

/** Whether both balancers hold, for every service, exactly its planned instances, all up. */
async function servingAsPlanned(s: PlatformSpec): Promise<boolean> {
  const wanted = s.services
    .flatMap((svc) => svc.hosts.map((h) => containerName(s, svc.key, h)))
    .sort();
  for (const lb of s.loadBalancers) {
    const servers = await serversOf(site, s, lb.id);
    const up = [...servers].filter(([, st]) => st === "UP").map(([k]) => k.split("/")[1]);
    if (JSON.stringify(up.sort()) !== JSON.stringify(wanted)) return false;
  }
  return true;
}

/** Waits until `servingAsPlanned(s)`; on timeout, says what the site is like around `hostId`. */
async function untilServing(what: string, s: PlatformSpec, hostId: string): Promise<number> {
  try {
    return await timeUntil(what, () => servingAsPlanned(s), 60);
  } catch (e) {
    console.error(await siteDiagnosis(site, s, hostId, deployed?.consul));
    throw e;
  }
}

/** The platform image as the site stack names it (before a release names one by its digest). */
const PLATFORM_IMAGE = "lhcb-platform/service:1.0.0";

/** Sets the scratch stack's `images.service`. */
async function setServiceImage(image: string): Promise<void> {
  const name = deployed!.stack.name;
  await deployed!.stack.pulumi([
    "config",
    "set",
    "--path",
    "lhcb-platform:images.service",
    image,
    "--stack",
    name,
  ]);
}

/**
 * The distinct images, as their containers name them (`docker ps` shows a digest's image by a tag
 * it also has), of the stack's containers on the host at `address` that run the platform image.
 */
function platformImagesOn(address: string): string[] {
  const ids = onHost(address, "ps", "-q", "--filter", `label=platform.stack=${spec.stack}`);
  const named = onHost(address, "inspect", "-f", "{{.Config.Image}}", ...ids.trim().split("\n"));
  const images = named
    .trim()
    .split("\n")
    .filter((i) => i.includes(`/${PLATFORM_IMAGE}`));
  return [...new Set(images)].sort();
}

/** Containers of `before` still there with the same id, and what `after` has that `before` had not. */
function compare(before: Map<string, string>, after: Map<string, string>) {
  const kept = [...before].filter(([k, id]) => after.get(k) === id).map(([k]) => k);
  const added = [...after.keys()].filter((k) => before.get(k) !== after.get(k)).sort();
  const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
  return { kept, added, gone };
}

test("a slave out of the inventory: pulumi up moves only its instances; added back, only the ones it takes over move; no request fails", async () => {
  const victim = spec.slaves[spec.slaves.length - 1].id;
  const allHosts = hostsOfStackFile(deployed!);
  const whole = instances(spec);
  const onVictim = [...whole].filter((k) => k.startsWith(`${victim}/`)).sort();
  assert.ok(onVictim.length > 0, `${victim} holds instances`);

  await steadily(async () => {
    const before = await slaveContainers();
    const took = await upWithHosts(
      deployed!,
      allHosts.filter((h) => h.id !== victim),
    );
    const without = instances({ ...currentSpec(), stack: spec.stack });
    const moved = [...without].filter((k) => !whole.has(k)).sort();
    const afterOut = await slaveContainers();
    const out = compare(before, afterOut);
    console.log(
      `site: ${victim} out of the inventory: pulumi up in ${took.toFixed(1)} s moved ${moved.length} of ${whole.size} instances (${onVictim.length} on ${victim}): ${moved.join(", ")}`,
    );
    assert.equal(moved.length, onVictim.length, "one new instance for each of the victim's");
    assert.deepEqual(out.added, moved, "the only new containers are the moved instances");
    assert.deepEqual(
      out.gone,
      [...before.keys()].filter((k) => k.startsWith(`${victim}/`)).sort(),
      `everything of the stack on ${victim} is gone, nothing else`,
    );
    await untilServing(
      "both balancers serving the new placement",
      { ...currentSpec(), stack: spec.stack },
      victim,
    );

    const tookBack = await upWithHosts(deployed!, allHosts);
    const back = compare(afterOut, await slaveContainers());
    const returned = back.added.filter((k) => whole.has(k) && k.startsWith(`${victim}/`));
    console.log(
      `site: ${victim} back in the inventory: pulumi up in ${tookBack.toFixed(1)} s; ${back.gone.length} replacement(s) went, ${returned.length} instance(s) came back to ${victim}`,
    );
    assert.deepEqual(back.gone, moved, "only the replacements went");
    assert.deepEqual(
      back.added.filter((k) => !k.startsWith(`${victim}/`)),
      [],
      `nothing new outside ${victim}`,
    );
    assert.deepEqual(returned, onVictim);
    await untilServing("both balancers serving the whole placement", spec, victim);
  }, victim);
});

/** What the stack labels on the engine at `address`: containers, networks and volumes, by name. */
function labelledOn(address: string): string[] {
  const filter = ["--filter", `label=platform.stack=${spec.stack}`];
  return [
    ...onHost(address, "ps", "-a", ...filter, "--format", "container {{.Names}}").split("\n"),
    ...onHost(address, "network", "ls", ...filter, "--format", "network {{.Name}}").split("\n"),
    ...onHost(address, "volume", "ls", ...filter, "--format", "volume {{.Name}}").split("\n"),
  ].filter((l) => l !== "");
}

test("a slave gone for good: in lostHosts, then out of the inventory; pulumi up forgets what was on it without reaching it; back, `npm run orphans` clears it and it is added again; no request fails", async () => {
  const victim = spec.slaves[spec.slaves.length - 1].id;
  const address = spec.slaves.find((h) => h.id === victim)!.address;
  const allHosts = hostsOfStackFile(deployed!);
  const onVictim = await urnsNaming(deployed!, victim);
  assert.ok(onVictim.length > 0, `the state holds what is on ${victim}`);

  await steadily(async () => {
    await loseHost(site, victim);
    const lost = await upWithHosts(deployed!, allHosts, { lostHosts: [victim] });
    // Out of the inventory while its engine does not answer: an up that asked it would fail.
    const { seconds: out, output } = await upWithHostsSaying(
      deployed!,
      allHosts.filter((h) => h.id !== victim),
      { lostHosts: [] },
    );
    assert.deepEqual(
      await urnsNaming(deployed!, victim),
      [],
      `nothing of ${victim} left in the state`,
    );
    // Consul's servers forgot its node (force-leave, pruned), where they would have kept it
    // failed for 72 h; asked of another server than the one the step asked.
    const consul = { address: spec.masters[1].address, ...deployed!.consul };
    const node = (id: string) => consulNodeName(spec, id);
    // What the step said, as the `up` printed it (its line names the host gone for good).
    const said = output
      .split("\n")
      .filter((l) => l.includes("gone for good"))
      .map((l) => l.trim())
      .join(" / ");
    const asked = Date.now();
    await answerOnceItHolds(
      `${victim}'s Consul node forgotten`,
      () => consulMemberStatuses(consul),
      (members) =>
        Array.isArray(members) &&
        members.some((m) => m.startsWith(`${node(spec.slaves[0].id)} `)) &&
        !members.some((m) => m.startsWith(`${node(victim)} `)),
      (members) => `${JSON.stringify(members)}; the step said: ${said}`,
      30,
    );
    const forgotten = Date.now() - asked;
    await untilServing(
      "both balancers serving the placement without it",
      { ...currentSpec(), stack: spec.stack },
      victim,
    );
    console.log(
      `site: ${victim} gone for good: in lostHosts in ${lost.toFixed(1)} s, out of the inventory in ${out.toFixed(1)} s; ${onVictim.length} resources of it forgotten, its engine never asked; its Consul node gone from the members ${forgotten} ms after (the step: ${said})`,
    );

    // Back (repaired), it still holds the stack's containers, which its engine restarts, and its
    // guard's chain. The operator clears them before it joins again.
    await restoreHost(site, victim);
    const left = labelledOn(address);
    assert.ok(
      left.some((l) => l.startsWith("container ")),
      `${victim} holds the stack's containers`,
    );
    const { cleared, seconds: clearing } = clearOrphans(address);
    console.log(cleared.stdout + cleared.stderr);
    assert.equal(cleared.status, 0, cleared.stderr);
    assert.deepEqual(labelledOn(address), [], `nothing of the stack on ${victim}`);
    assert.deepEqual(
      guardRulesLeft(deployed!.stack.name).filter((l) => l.startsWith(`${victim} `)),
      [],
      `no rule of the stack's guard on ${victim}`,
    );
    assert.match(
      cleared.stdout,
      new RegExp(`port guard \\S+-port-guard-${victim}: its chain removed`),
    );

    const back = await upWithHosts(deployed!, allHosts);
    await untilServing("both balancers serving the whole placement", spec, victim);
    console.log(
      `site: ${victim} cleared by npm run orphans in ${clearing.toFixed(1)} s (${left.length} objects), added again: pulumi up in ${back.toFixed(1)} s`,
    );
  }, victim);
});

/** `image` published to the site's registry with its login, as the release publishes. */
function publishToSite(image: string) {
  return publishImage(
    image,
    `${site.registry.name}:${site.registry.port}`,
    siteRegistryLogin(site),
  );
}

/** The watcher on the scratch stack, its output's lines kept, until `stop`. */
function startWatcher(): { lines: string[]; child: ChildProcess; stop: () => Promise<void> } {
  const lines: string[] = [];
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "scripts", "watch-hosts.ts"), deployed!.stack.name],
    { cwd: PROJECT_ROOT, env: { ...process.env, ...engineEnv() } },
  );
  const keep = (chunk: Buffer) => lines.push(...chunk.toString().split("\n"));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.on("exit", () => done());
      child.kill("SIGTERM");
    });
  return { lines, child, stop };
}

/** Whether the watcher has said `text` (a probe for `timeUntil`). */
type WatcherSaid = (text: string) => () => Promise<boolean>;

/**
 * Runs `body` under the steady client with the watcher running on the scratch stack; prints the
 * watcher's lines after, or all of its output when `body` fails, and then stops the watcher and
 * puts the site back around `victim` (`putBack`).
 */
async function withWatcher(
  victim: string,
  body: (said: WatcherSaid) => Promise<void>,
): Promise<void> {
  await puttingBackOnFailure(victim, async () => {
    const watcher = startWatcher();
    const said: WatcherSaid = (text) => async () =>
      watcher.lines.some((l) => l.startsWith("watch-hosts") && l.includes(text));
    try {
      await timeUntil("the watcher watching", said("watching"), 30);
      await steadily(() => body(said));
      console.log(watcher.lines.filter((l) => l.startsWith("watch-hosts")).join("\n"));
    } catch (e) {
      console.error(`the watcher's output:\n${watcher.lines.join("\n")}`);
      throw e;
    } finally {
      await watcher.stop();
    }
  });
}

/**
 * Restores `victim` and waits until the watcher has unmarked it, its `pulumi up` is done and both
 * balancers serve the whole placement; the milliseconds since the restore began.
 */
async function restoredUnderWatcher(victim: string, said: WatcherSaid): Promise<number> {
  const restored = Date.now();
  await restoreHost(site, victim);
  await timeUntil(
    "the watcher's up without failed hosts",
    said("placed around no failed host"),
    240,
  );
  assert.deepEqual(currentSpec().failedHosts, []);
  await untilServing("the whole placement served", spec, victim);
  return Date.now() - restored;
}

/**
 * Loses `victim` and waits until the watcher has marked it failed and its `pulumi up` is done;
 * the loss (which resolves once the host is down) and the milliseconds to each step.
 */
async function lostUnderWatcher(victim: string, said: WatcherSaid) {
  const lost = Date.now();
  const dying = loseHost(site, victim);
  await timeUntil("the watcher's pulumi up", said(`failed: ${victim} `), 60);
  const detected = Date.now() - lost;
  await timeUntil("the watcher's up done", said(`placed around ${victim} in`), 240);
  assert.deepEqual(currentSpec().failedHosts, [victim]);
  return { dying, detected, placed: Date.now() - lost, lost };
}

test("a slave in lostHosts that comes back after all: out of lostHosts, the change made while it was lost replaces its containers through its engine; no request fails", async () => {
  const victim = spec.slaves[spec.slaves.length - 1].id;
  const address = spec.slaves.find((h) => h.id === victim)!.address;
  const allHosts = hostsOfStackFile(deployed!);
  const onVictim = async () =>
    new Map([...(await slaveContainers())].filter(([k]) => k.startsWith(`${victim}/`)));
  await steadily(async () => {
    await loseHost(site, victim);
    const lost = await upWithHosts(deployed!, allHosts, { lostHosts: [victim] });
    // A change to every instance and agent while it is lost, as a release makes one: the
    // platform image named by its digest, or by its tag again. Its own are kept as deployed.
    const image = currentSpec().images.service.includes("@sha256:")
      ? PLATFORM_IMAGE
      : publishToSite(PLATFORM_IMAGE).pinned;
    await setServiceImage(image);
    await deployed!.stack.up();
    await restoreHost(site, victim);
    const before = await onVictim();
    const { seconds: back, output } = await upWithHostsSaying(deployed!, allHosts, {
      lostHosts: [],
    });
    const now = { ...currentSpec(), stack: spec.stack };
    const placed = [...instances(now)].filter((k) => k.startsWith(`${victim}/`));
    assert.ok(placed.length > 0, `${victim} holds instances`);
    const after = await onVictim();
    for (const k of placed) {
      assert.ok(before.has(k), `${k} was there, kept as deployed`);
      assert.ok(after.has(k) && after.get(k) !== before.get(k), `${k} replaced`);
    }
    // Its containers run the new image, as the other slaves' do.
    const images = platformImagesOn(spec.slaves[0].address);
    assert.equal(images.length, 1, images.join());
    assert.deepEqual(platformImagesOn(address), images);
    await untilServing("both balancers serving every instance as planned", now, victim);
    // Its Consul node is not forced out as its forget step goes (a force-leave of its running
    // agent would drop it from the members and the catalog, and so from every master's
    // whitelist): listed alive by another server and whitelisted, and still 10 s later.
    const consul = { address: spec.masters[1].address, ...deployed!.consul };
    const node = consulNodeName(spec, victim);
    const seen = async () => {
      const members = await consulMemberStatuses(consul);
      const lists = await Promise.all(spec.masters.map((m) => whitelistOn(spec, m.id)));
      return { members, whitelisted: lists.every((l) => l?.includes(address) === true) };
    };
    const holds = ({ members, whitelisted }: Awaited<ReturnType<typeof seen>>) =>
      Array.isArray(members) && members.includes(`${node} alive`) && whitelisted;
    const show = (x: Awaited<ReturnType<typeof seen>>) => JSON.stringify(x);
    const asked = Date.now();
    await answerOnceItHolds(`${node} alive and whitelisted`, seen, holds, show, 30);
    const listed = Date.now() - asked;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const x = await seen();
      assert.ok(holds(x), `${node} no longer alive and whitelisted: ${show(x)}`);
    }
    assert.doesNotMatch(output, /gone for good/, "no forget step ran");
    console.log(
      `site: ${victim} in lostHosts in ${lost.toFixed(1)} s; back and out of lostHosts, its ${placed.length} instances and agents replaced through its engine: pulumi up in ${back.toFixed(1)} s; its Consul node alive and whitelisted ${listed} ms after, and 10 s later`,
    );
  }, victim);
});

test("a slave lost with the watcher running: its instances are re-placed without an operator, no request fails; back, the replacements go", async () => {
  const http = spec.services.find((s) => s.protocol === "http")!;
  const victim = http.hosts[http.hosts.length - 1];
  const address = spec.slaves.find((h) => h.id === victim)!.address;
  await withWatcher(victim, async (said) => {
    const { dying, detected, placed, lost } = await lostUnderWatcher(victim, said);
    const around = { ...currentSpec(), stack: spec.stack };
    const healthy = (s: PlatformSpec) => ({
      ...s,
      services: s.services.map((svc) => ({
        ...svc,
        hosts: svc.hosts.filter((h) => h !== victim),
      })),
    });
    for (const svc of healthy(around).services)
      assert.equal(svc.hosts.length, svc.instances, `${svc.name}: full count on healthy slaves`);
    await timeUntil("full capacity on both balancers", () => servingAsPlanned(healthy(around)), 60);
    const full = Date.now() - lost;
    const lists = await Promise.all(spec.masters.map((m) => whitelistOn(spec, m.id)));
    for (const l of lists) assert.ok(l !== undefined && !l.includes(address), "whitelist");
    console.log(
      `site: ${victim} lost with the watcher: failed after ${detected} ms, re-placed by pulumi up ${placed} ms after the loss, full capacity on both balancers after ${full} ms`,
    );

    // A change to every instance and agent while the victim is down, as a release makes one:
    // the platform image named by its digest. The up changes the healthy slaves' containers and
    // keeps the victim's as deployed, without asking its engine.
    const image = publishToSite(PLATFORM_IMAGE);
    await setServiceImage(image.pinned);
    const changing = Date.now();
    await deployed!.stack.up();
    for (const h of spec.slaves.filter((x) => x.id !== victim))
      assert.deepEqual(platformImagesOn(h.address), [image.published], h.id);
    console.log(
      `site: every instance and agent changed while ${victim} was down: pulumi up in ${Date.now() - changing} ms`,
    );

    await dying;
    const back = await restoredUnderWatcher(victim, said);
    console.log(
      `site: ${victim} back: replacements gone and its own instances serving ${back} ms after its restore began`,
    );
    // Back, the victim's own containers took the change the up kept from them.
    assert.deepEqual(platformImagesOn(address), [image.published], victim);
  });
});

test("the master the engine asks lost with the watcher running: marked failed, a change to every instance goes through the next master, no request fails; back, unmarked", async () => {
  const victim = spec.masters[0].id;
  await withWatcher(victim, async (said) => {
    const { dying, detected, placed: upDone } = await lostUnderWatcher(victim, said);
    console.log(
      `site: ${victim} lost with the watcher: failed after ${detected} ms, its up done ${upDone} ms after the loss`,
    );

    // A change to every instance and agent, as a release makes one: the platform image named
    // by its digest, or by its tag again. Each instance's registration is replaced through the
    // Consul API of the next master; nothing on the slaves is kept.
    const named = currentSpec().images.service;
    const image = named.includes("@sha256:")
      ? PLATFORM_IMAGE
      : publishToSite(PLATFORM_IMAGE).pinned;
    await setServiceImage(image);
    const placed = instances({ ...currentSpec(), stack: spec.stack });
    const ofPlaced = (all: Map<string, string>) => new Map([...all].filter(([k]) => placed.has(k)));
    const before = ofPlaced(await slaveContainers());
    assert.equal(before.size, placed.size);
    const changing = Date.now();
    await deployed!.stack.up();
    const changed = compare(before, ofPlaced(await slaveContainers()));
    assert.deepEqual(changed.kept, [], "every instance and agent replaced");
    assert.deepEqual(changed.added, [...before.keys()].sort());
    await untilServing("both balancers serving every new instance", spec, victim);
    console.log(
      `site: every instance and agent changed while ${victim} was down: pulumi up in ${Date.now() - changing} ms`,
    );

    await dying;
    const back = await restoredUnderWatcher(victim, said);
    console.log(`site: ${victim} back and unmarked ${back} ms after its restore began`);
  });
});
