// Rotation with `pulumi up` on the multi-host site, as docs/security.md tells an operator: one `up`
// with a new gossip key in the stack's configuration, `--replace` of the balancers' Consul token and
// of a slave agent's certificate. Afterwards every member of the site gossips with the new key
// alone, the old token is refused while the balancers read Consul with their new one and serve
// every instance, and the slave's agent holds a new certificate of the same CA and answers with it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { CONSUL_TLS_PATHS } from "../../components/consul/consul-tls-plan";
import { PlatformSpec } from "../../components/core/platform-spec";
import { LB_PATHS } from "../../components/haproxy/lb-files";
import { newGossipKey, setSecretConfig } from "../../scripts/site/deploy";
import { DeployedSite, deploySite, removeSite, site } from "../support/site-fixture";
import { consulGet, serfHealth, serversOf, timeUntil } from "../support/site-probes";

let deployed: DeployedSite | undefined;
let spec: PlatformSpec;

/** `docker ARGS` on a host's engine, over SSH as the Docker provider reaches it. */
const onHost = (address: string, ...args: string[]) =>
  execFileSync("docker", ["-H", `ssh://root@${address}`, ...args], { encoding: "utf8" });

/** The `catalog-read` token, as the first balancer's consul-template has it. */
function catalogReadToken(): string {
  const lb = spec.loadBalancers[0];
  const config = onHost(
    lb.address,
    "exec",
    `${spec.stack}-lb-${lb.id}`,
    "cat",
    LB_PATHS.consulTemplateConfig,
  );
  return /\n {2}token {3}= "([0-9a-f-]{36})"\n/.exec(config)![1];
}

/** The certificate the Consul agent of slave `id` holds. */
const agentCertificate = (id: string) =>
  onHost(
    site.hosts.find((h) => h.id === id)!.address,
    "exec",
    `${spec.stack}-consul-agent-${id}`,
    "cat",
    CONSUL_TLS_PATHS.cert,
  );

/** The URN of the stack's resource whose name ends with `suffix`. */
async function urnEnding(suffix: string): Promise<string> {
  const { resources } = await deployed!.stack.exportState();
  const found = resources.filter((r) => r.urn.endsWith(suffix));
  assert.equal(found.length, 1, suffix);
  return found[0].urn;
}

before(async () => {
  deployed = await deploySite("rotation");
  spec = deployed.spec;
});

after(() => removeSite(deployed));

test("one pulumi up: a new gossip key in use on every member alone, a new balancers' token, a slave agent's new certificate", async () => {
  const master = site.hosts[0];
  const manager = { address: master.address, ...deployed!.consul };
  const slave = spec.slaves[0].id;
  const before = { token: catalogReadToken(), cert: agentCertificate(slave) };
  const key = newGossipKey();
  setSecretConfig(deployed!.stack.name, "lhcb-platform:consulGossipKey", key);
  const replaced = [
    await urnEnding("-consul-acl-token-catalog-read"),
    await urnEnding(`-consul-tls-cert-${slave}`),
  ];
  const t = Date.now();
  const out = await deployed!.stack.upReplacing(replaced);
  console.log(`site: the rotating up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.doesNotMatch(out, new RegExp(key.replace(/[+/=]/g, "\\$&")));

  // Gossip: the new key alone, on every member of the LAN and every server of the WAN.
  const pools = JSON.parse((await consulGet(manager, "/v1/operator/keyring")).out) as {
    WAN: boolean;
    Keys: Record<string, number>;
    PrimaryKeys: Record<string, number>;
  }[];
  assert.deepEqual(
    pools
      .map((p) => ({ wan: p.WAN, keys: p.Keys, primary: p.PrimaryKeys }))
      .sort((a, b) => Number(b.wan) - Number(a.wan)),
    [
      { wan: true, keys: { [key]: spec.masters.length }, primary: { [key]: spec.masters.length } },
      { wan: false, keys: { [key]: spec.hosts.length }, primary: { [key]: spec.hosts.length } },
    ],
  );
  for (const h of spec.hosts)
    await timeUntil(
      `${h.id}'s node alive`,
      async () => (await serfHealth(manager, `${spec.stack}-${h.id}`)) === "passing",
      30,
    );

  // The balancers' token: the old one refused, the new one reads every instance, both serve.
  const after = catalogReadToken();
  assert.notEqual(after, before.token);
  const old = await consulGet({ ...manager, token: before.token }, "/v1/acl/token/self");
  assert.equal(old.status, 403, old.out);
  const http = spec.services.find((s) => s.protocol === "http" && s.mode === "pulumi")!;
  const seen = await consulGet(
    { ...manager, token: after },
    `/v1/health/service/${http.key}?passing&tag=${spec.stack}`,
  );
  assert.equal((JSON.parse(seen.out) as unknown[]).length, http.hosts.length);
  for (const lb of spec.loadBalancers) {
    const url = `http://${lb.address}:${http.port}${http.check.http ?? "/"}`;
    await timeUntil(`${url} serving`, async () => (await fetch(url)).status === 200, 30);
    const servers = await serversOf(site, spec, lb.id);
    for (const [server, status] of servers) assert.equal(status, "UP", `${lb.id}: ${server}`);
  }

  // The slave's agent: a new certificate, and its API answers with it against the same CA.
  assert.notEqual(agentCertificate(slave), before.cert);
  const address = site.hosts.find((h) => h.id === slave)!.address;
  const self = await consulGet({ ...manager, address }, "/v1/agent/self");
  assert.equal(self.status, 200, self.out);
});
