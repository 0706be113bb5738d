// Hosts lost and partitioned on the multi-host site, each under a steady client (100 requests a
// second): a slave, the Consul leader's master (lost, then partitioned), a load balancer; each
// repaired within its test, which waits until the platform is whole again. Then two masters
// swapped in the stack file, which the `up` refuses before ZooKeeper's ids change. Last, the first
// master gone for good and replaced by a new machine under a new name, after which the site keeps
// that name.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PlatformSpec } from "../../components/core/platform-spec";
import { consulNodeName } from "../../components/consul/consul-containers";
import {
  healHost,
  loseHost,
  partitionHost,
  replaceLostHost,
  restoreHost,
} from "../../scripts/site/faults";
import {
  DeployedSite,
  deploySite,
  hostsOfStackFile,
  removeSite,
  site,
  upWithHosts,
  urnsNaming,
} from "../support/site-fixture";
import {
  consulLeader,
  consulMemberNames,
  consulRaftServers,
  probe,
  whitelistDiagnosis,
  serfHealth,
  serversHealthy,
  serversOf,
  siteDiagnosis,
  timeUntil,
  underSteadyClient,
  whitelistOn,
  zookeeperMode,
} from "../support/site-probes";

let deployed: DeployedSite | undefined;
let spec: PlatformSpec;

before(async () => {
  deployed = await deploySite("faults");
  spec = deployed.spec;
});

after(() => removeSite(deployed));

const addressOf = (id: string) => site.hosts.find((h) => h.id === id)!.address;
const servers = (lbId: string) => serversOf(site, spec, lbId);

/**
 * The HTTP service: its instance on a host, its URL on each balancer, and the last of its slaves
 * (the one a slave fault takes away).
 */
function steadyTargets(): {
  instanceOn: (host: string) => string;
  urls: string[];
  lastSlave: string;
} {
  const http = spec.services.find((s) => s.protocol === "http")!;
  return {
    instanceOn: (host) => `${spec.stack}-${http.key}-${host}`,
    urls: spec.loadBalancers.map((lb) => `http://${lb.address}:${http.port}/`),
    lastSlave: http.hosts[http.hosts.length - 1],
  };
}

test("a slave host lost under a steady client through both balancers: no request fails, its instances hidden on both, its Consul node failed, the whitelist without it; back, it serves again without an up", async () => {
  const { instanceOn, urls, lastSlave: victim } = steadyTargets();
  const api = { address: addressOf(spec.masters[0].id), ...deployed!.consul };
  const address = addressOf(victim);
  const listed = async (yes: boolean) => {
    const lists = await Promise.all(spec.masters.map((m) => whitelistOn(spec, m.id)));
    return lists.every((l) => l !== undefined && l.includes(address) === yes);
  };
  // Waits until every whitelist lists the victim (or none does); on a timeout, says why.
  const untilListed = (yes: boolean, what: string) =>
    timeUntil(what, () => listed(yes), 30).catch(async (e: unknown) => {
      console.error(await whitelistDiagnosis(site, spec, victim, deployed!.consul));
      throw e;
    });
  const summary = await underSteadyClient(urls, { site, spec }, async (load) => {
    const lost = Date.now();
    // The host is cut off and killed at once; the rest of the loss (processes and namespaces
    // gone) is awaited before the restore.
    const dying = loseHost(site, victim);
    const up = async (lb: string) =>
      [...(await servers(lb))].some(([k, st]) => k.endsWith(`-${victim}`) && st === "UP");
    // Each time from the loss itself: the kill takes a moment before the waits begin.
    const hidden = await Promise.all(
      spec.loadBalancers.map(async (lb) => {
        await timeUntil(`${victim} hidden on ${lb.id}`, async () => !(await up(lb.id)), 30);
        return Date.now() - lost;
      }),
    );
    const node = `${spec.stack}-${victim}`;
    await timeUntil(
      `${victim}'s Consul node failed`,
      async () => (await serfHealth(api, node)) === "critical",
      30,
    );
    const failed = Date.now() - lost;
    await untilListed(false, `${victim} out of every master's whitelist`);
    const unlisted = Date.now() - lost;
    const answers = (await load.samples()).filter((x) => x.instance === instanceOn(victim));
    const last = Math.max(lost, ...answers.map((x) => x.done)) - lost;
    const where = spec.loadBalancers.map((lb, i) => `${lb.id} after ${hidden[i]} ms`).join(", ");
    console.log(
      `site: ${victim} lost: hidden on ${where}; its last answer ${last} ms after the loss; its Consul node critical after ${failed} ms; out of every whitelist ${unlisted} ms after the loss`,
    );
    await dying;
    const restored = Date.now();
    await restoreHost(site, victim);
    const serving = await timeUntil(
      `${victim} serving again`,
      async () =>
        (await load.samples()).some((x) => x.instance === instanceOn(victim) && x.sent > restored),
      90,
    ).catch(async (e: unknown) => {
      console.error(await siteDiagnosis(site, spec, victim, deployed!.consul));
      throw e;
    });
    console.log(`site: ${victim} back: answering ${serving} ms after its restore began`);
    for (const lb of spec.loadBalancers)
      await timeUntil(
        `every server up on ${lb.id}`,
        async () => [...(await servers(lb.id)).values()].every((st) => st === "UP"),
        30,
      );
    // The balancers may serve it before its Consul agent has rejoined the gossip.
    await timeUntil(
      `${victim}'s Consul node passing`,
      async () => (await serfHealth(api, node)) === "passing",
      30,
    );
    await untilListed(true, `${victim} back in every master's whitelist`);
    console.log(
      `site: ${victim} back: its Consul node passing and in every whitelist ${Date.now() - restored} ms after its restore began`,
    );
  });
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
});

/**
 * The Consul leader's master taken away by `fault` and given back by `repair` under a steady
 * client: Consul and ZooKeeper keep (or elect) a leader among the other two masters, no request
 * fails, and once back the master is a healthy Consul server and a serving ZooKeeper member again.
 */
async function masterAwayAndBack(
  what: string,
  fault: (id: string) => Promise<void> | void,
  repair: (id: string) => Promise<void>,
): Promise<void> {
  const masters = spec.masters.map((m) => m.id);
  const victim = await consulLeader(site, addressOf(masters[0]), deployed!.consul.caCert);
  assert.ok(victim !== undefined && masters.includes(victim), "a Consul leader among the masters");
  const others = masters.filter((m) => m !== victim);
  const api = addressOf(others[0]);
  const summary = await underSteadyClient(steadyTargets().urls, { site, spec }, async () => {
    const at = Date.now();
    const away = fault(victim);
    // Both quorums watched at once, each time from the fault itself.
    const [consul, zookeeper] = await Promise.all([
      timeUntil(
        `a Consul leader other than ${victim}`,
        async () =>
          ![undefined, victim].includes(await consulLeader(site, api, deployed!.consul.caCert)),
        30,
      ).then(() => Date.now() - at),
      timeUntil(
        `a ZooKeeper leader among ${others.join(", ")}`,
        async () =>
          (await Promise.all(others.map((m) => zookeeperMode(site, spec, m)))).includes("leader"),
        30,
      ).then(() => Date.now() - at),
    ]);
    console.log(
      `site: ${victim} (the Consul leader) ${what}: a Consul leader after ${consul} ms, a ZooKeeper leader among the others after ${zookeeper} ms`,
    );
    const back = Date.now();
    await away;
    await repair(victim);
    await timeUntil(
      `every Consul server healthy, ${victim} back`,
      () => serversHealthy({ address: api, ...deployed!.consul }, 3),
      90,
    );
    await timeUntil(
      `${victim}'s ZooKeeper member serving`,
      async () => (await zookeeperMode(site, spec, victim)) !== undefined,
      90,
    );
    console.log(
      `site: ${victim} back: every Consul server healthy and its ZooKeeper member serving ${Date.now() - back} ms after`,
    );
  });
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
}

test("the Consul leader's master lost: both quorums keep a leader among the other two, no request fails; back, it rejoins both", () =>
  masterAwayAndBack(
    "lost",
    (id) => loseHost(site, id),
    (id) => restoreHost(site, id),
  ));

test("the Consul leader's master partitioned (its traffic dropped, all running): both quorums keep a leader among the other two, no request fails; healed, it rejoins both", () =>
  masterAwayAndBack(
    "partitioned",
    (id) => partitionHost(site, id),
    async (id) => healHost(site, id),
  ));

test("a load balancer lost: the other serves with every instance up and no request to it fails; back, the lost one serves again", async () => {
  const [lost, other] = spec.loadBalancers;
  const [lostUrl, otherUrl] = steadyTargets().urls;
  const summary = await underSteadyClient([otherUrl], { site, spec }, async () => {
    await loseHost(site, lost.id);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok([...(await servers(other.id)).values()].every((st) => st === "UP"));
    await restoreHost(site, lost.id);
    const back = await timeUntil(
      `${lost.id} serving again`,
      async () => (await probe("curl", ["-fsS", "-m", "1", "-o", "/dev/null", lostUrl])).ok,
      60,
    );
    console.log(`site: ${lost.id} back: serving ${back} ms after its restore began`);
  });
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
});

test("two masters swapped in hosts: the up stops before any ZooKeeper member changes, naming both; put back, the up goes through and no member changed", async () => {
  // Whatever the masters are now (the master replacement below may have run first).
  const hosts = hostsOfStackFile(deployed!);
  const masters = hosts.filter((h) => (h.roles as string[]).includes("master"));
  const [, a, b] = masters;
  const swapped = hosts.map((h) => (h.id === a.id ? b : h.id === b.id ? a : h));
  const memberIds = () =>
    Promise.all(
      masters.map(async (m) => {
        const container = `${spec.stack}-zookeeper-${m.id}`;
        const r = await probe("docker", [
          "-H",
          `ssh://root@${m.address}`,
          "inspect",
          "-f",
          "{{.Id}} {{.State.StartedAt}}",
          container,
        ]);
        assert.ok(r.ok, `${container} on ${m.id}`);
        return r.out.trim();
      }),
    );
  const before = await memberIds();
  const t0 = Date.now();
  const refused = await upWithHosts(deployed!, swapped).then(
    () => "",
    (e: Error) => e.message,
  );
  assert.ok(
    refused.includes(
      `ZooKeeper's ids: would change, so nothing of the ensemble was changed: ${a.id} (${a.address}) serves as server.2 and would be server.3; ${b.id} (${b.address}) serves as server.3 and would be server.2. A member's id is its master's place among the masters in hosts unless hosts[i].zookeeperId sets it`,
    ),
    refused === "" ? "the up went through" : refused,
  );
  const stopped = (Date.now() - t0) / 1000;
  assert.deepEqual(await memberIds(), before, "no ZooKeeper member replaced or restarted");
  const t = Date.now();
  await upWithHosts(deployed!, hosts);
  const back = (Date.now() - t) / 1000;
  assert.deepEqual(await memberIds(), before, "no ZooKeeper member replaced or restarted");
  const modes = await Promise.all(masters.map((m) => zookeeperMode({ hosts }, spec, m.id)));
  assert.deepEqual(modes.map(String).sort(), ["follower", "follower", "leader"]);
  console.log(
    `site: masters swapped: pulumi up stopped after ${stopped.toFixed(1)} s; put back, pulumi up in ${back.toFixed(1)} s`,
  );
});

test("the first master gone for good: in lostHosts, then replaced in its place by a new machine under a new name; both quorums take the new member, the lost one is forgotten, no request fails", async () => {
  // The first master: the one the engine asks Consul at, and ZooKeeper's member 1, which the
  // others reach (a lower id never connects to a higher one) only once they have the new list.
  const victim = spec.masters[0].id;
  const machine = { id: "master-4", address: "master-4.site.lhcb.test" };
  const allHosts = hostsOfStackFile(deployed!);
  const replaced = allHosts.map((h) =>
    h.id === victim ? { ...h, ...machine, docker: { host: `ssh://root@${machine.address}` } } : h,
  );
  const masters = spec.masters.map((m) => (m.id === victim ? machine.id : m.id));
  const api = addressOf(spec.masters[1].id);
  const node = (id: string) => consulNodeName(spec, id);
  const summary = await underSteadyClient(steadyTargets().urls, { site, spec }, async () => {
    await loseHost(site, victim);
    const lost = await upWithHosts(deployed!, allHosts, { lostHosts: [victim] });
    const now = await replaceLostHost(site, victim, machine);
    const replacing = await upWithHosts(deployed!, replaced, { lostHosts: [] });
    assert.deepEqual(await urnsNaming(deployed!, victim), [], `nothing of ${victim} in the state`);
    const healthy = await timeUntil(
      "three healthy Consul servers",
      () => serversHealthy({ address: api, ...deployed!.consul }, 3),
      60,
    );
    const consul = { address: api, ...deployed!.consul };
    assert.deepEqual(await consulRaftServers(consul), masters.map(node).sort());
    const members = await consulMemberNames(consul);
    assert.ok(members.includes(node(machine.id)), members.join());
    assert.ok(!members.includes(node(victim)), `${victim}'s node forgotten: ${members.join()}`);
    const modes = await Promise.all(masters.map((m) => zookeeperMode(now, spec, m)));
    assert.deepEqual(modes.map(String).sort(), ["follower", "follower", "leader"]);
    const slaves = spec.slaves.map((h) => h.address);
    await timeUntil(
      `every slave in ${machine.id}'s whitelist`,
      async () => {
        const listed = await whitelistOn(spec, machine.id);
        return listed !== undefined && slaves.every((a) => listed.includes(a));
      },
      30,
    );
    console.log(
      `site: ${victim} gone for good: in lostHosts in ${lost.toFixed(1)} s; ${machine.id} in its place: pulumi up in ${replacing.toFixed(1)} s, three healthy Consul servers ${healthy} ms after`,
    );
  });
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
});
