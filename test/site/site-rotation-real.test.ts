// Rotation with `pulumi up` on the multi-host site, as docs/security.md tells an operator: one `up`
// with a new gossip key in the stack's configuration, `--replace` of the balancers' Consul token and
// of a slave agent's certificate. Afterwards every member of the site gossips with the new key
// alone, the old token is refused while the balancers read Consul with their new one and serve
// every instance, and the slave's agent holds a new certificate of the same CA and answers with it.
// Then Consul's CA rotated through its two slots in three `up`s, the site whole after each; then
// its management token replaced by one made with the old.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CONSUL_TLS_PATHS } from "../../components/consul/consul-tls-plan";
import { PlatformSpec } from "../../components/core/platform-spec";
import { newGossipKey, setSecretConfig } from "../../scripts/site/deploy";
import { DeployedSite, deploySite, removeSite, site } from "../support/site-fixture";
import {
  answerOnceItHolds,
  catalogReadToken,
  consulGet,
  consulSend,
  onHost,
  serfHealth,
  serversOf,
  timeUntil,
} from "../support/site-probes";

let deployed: DeployedSite | undefined;
let spec: PlatformSpec;

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

/** A stack output, secrets shown. */
async function output(name: string): Promise<string> {
  const stack = deployed!.stack;
  const out = await stack.pulumi([
    "stack",
    "output",
    name,
    "--show-secrets",
    "--stack",
    stack.name,
  ]);
  return out.trim();
}

/** How to ask the stack's Consul now: its management token and CA bundle, from its outputs. */
async function consulNow(): Promise<{ token: string; caCert: string }> {
  return {
    token: await output("consulManagementToken"),
    caCert: (await output("consulCaCertificate")) + "\n",
  };
}

before(async () => {
  deployed = await deploySite("rotation");
  spec = deployed.spec;
});

after(() => removeSite(deployed));

test("one pulumi up: a new gossip key in use on every member alone, a new balancers' token, a slave agent's new certificate", async () => {
  const master = site.hosts[0];
  const manager = { address: master.address, ...(await consulNow()) };
  const slave = spec.slaves[0].id;
  const before = { token: catalogReadToken(spec), cert: agentCertificate(slave) };
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

  // Gossip: the new key alone, on every member of the LAN and every server of the WAN. (The
  // keyring is a gossip query of every member: just after the up, with an agent just replaced,
  // it can take longer than one probe's 2 s on a busy machine, as a fresh-clone CI saw once.)
  const keyring = await answerOnceItHolds(
    "the keyring of every member",
    () => consulGet(manager, "/v1/operator/keyring"),
    (r) => r.status === 200,
    statusAndBody,
    30,
  );
  const pools = JSON.parse(keyring.out) as {
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
  const after = catalogReadToken(spec);
  assert.notEqual(after, before.token);
  const old = await consulGet({ ...manager, token: before.token }, "/v1/acl/token/self");
  assert.equal(old.status, 403, old.out);
  const http = spec.services.find((s) => s.protocol === "http" && s.mode === "pulumi")!;
  // The instances on the slave whose agent was just replaced pass again once its checks have run.
  const passing = `/v1/health/service/${http.key}?passing&tag=${spec.stack}`;
  await answerOnceItHolds(
    `every ${http.key} instance passing, read with the new token`,
    () => consulGet({ ...manager, token: after }, passing),
    (seen) => seen.ok && (JSON.parse(seen.out) as unknown[]).length === http.hosts.length,
    statusAndBody,
    30,
  );
  for (const lb of spec.loadBalancers)
    await everyServerUp(lb.id, `http://${lb.address}:${http.port}${http.check.http ?? "/"}`);

  // The slave's agent: a new certificate, and its API answers with it against the same CA (a
  // Consul agent just started may hold /v1/agent/self past the probe's 2 s while it syncs).
  assert.notEqual(agentCertificate(slave), before.cert);
  const address = site.hosts.find((h) => h.id === slave)!.address;
  await answerOnceItHolds(
    `${slave}'s new agent answering over HTTPS`,
    () => consulGet({ ...manager, address }, "/v1/agent/self"),
    (self) => self.status === 200,
    statusAndBody,
    30,
  );
});

/**
 * Balancer `lbId` serves `url`, and every instance it checks is up (a server just added by a
 * reload is up once its first checks pass): each within 30 s, the last statuses in the failure.
 */
async function everyServerUp(lbId: string, url: string): Promise<void> {
  await timeUntil(`${url} serving`, async () => (await fetch(url)).status === 200, 30);
  await answerOnceItHolds(
    `${lbId}: every server UP`,
    () => serversOf(site, spec, lbId),
    (servers) => servers.size > 0 && [...servers.values()].every((s) => s === "UP"),
    (servers) => JSON.stringify([...servers]),
    30,
  );
}

/** An HTTP answer as a failure shows it. */
const statusAndBody = (r: { status: number; out: string }) => `${r.status} ${r.out}`;

/** Sets the stack's `consul.tlsCa` through the CLI, as an operator would. */
async function setCas(issuer: "a" | "b", trusted: ("a" | "b")[]): Promise<void> {
  const stack = deployed!.stack;
  const config = (...args: string[]) =>
    stack.pulumi(["config", ...args, "--path", "--stack", stack.name]);
  await config("set", "lhcb-platform:consul.tlsCa.issuer", issuer);
  await config("rm", "lhcb-platform:consul.tlsCa.trusted").catch(() => "");
  for (const [i, slot] of trusted.entries())
    await config("set", `lhcb-platform:consul.tlsCa.trusted[${i}]`, slot);
}

/** The PEM certificates in `text`, in order. */
const certificatesIn = (text: string) =>
  [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)].map(
    (m) => m[0],
  );

/** Whether `cert` (PEM) is signed by the CA `ca` (PEM), as openssl verifies it. */
function signedBy(cert: string, ca: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), "consul-ca-"));
  writeFileSync(join(dir, "ca.pem"), ca);
  writeFileSync(join(dir, "cert.pem"), cert);
  const r = spawnSync("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), join(dir, "cert.pem")]);
  rmSync(dir, { recursive: true, force: true });
  return r.status === 0;
}

/** Every Consul process's files: its CA bundle and its certificate, by host id. */
function consulFilesByHost(): Map<string, { ca: string; cert: string }> {
  return new Map(
    spec.hosts.map((h) => {
      const part = spec.masters.some((m) => m.id === h.id) ? "consul-server" : "consul-agent";
      const file = (path: string) =>
        onHost(
          site.hosts.find((x) => x.id === h.id)!.address,
          "exec",
          `${spec.stack}-${part}-${h.id}`,
          "cat",
          path,
        );
      return [h.id, { ca: file(CONSUL_TLS_PATHS.ca), cert: file(CONSUL_TLS_PATHS.cert) }];
    }),
  );
}

/** Every member alive, and both balancers serving every instance of the HTTP service. */
async function siteWhole(caCert: string): Promise<void> {
  const { token } = await consulNow();
  const manager = { address: site.hosts[0].address, token, caCert };
  for (const h of spec.hosts)
    await timeUntil(
      `${h.id}'s node alive`,
      async () => (await serfHealth(manager, `${spec.stack}-${h.id}`)) === "passing",
      30,
    );
  const http = spec.services.find((s) => s.protocol === "http" && s.mode === "pulumi")!;
  for (const lb of spec.loadBalancers)
    await everyServerUp(lb.id, `http://${lb.address}:${http.port}${http.check.http ?? "/"}`);
}

test("Consul's CA rotated in three pulumi ups: trust both, issue from the new one, trust it alone; the site whole after each", async () => {
  const bundle = async () => (await consulNow()).caCert;
  const [oldCa] = certificatesIn(await bundle());
  const upWith = async (issuer: "a" | "b", trusted: ("a" | "b")[]) => {
    await setCas(issuer, trusted);
    const t = Date.now();
    await deployed!.stack.up();
    console.log(
      `site: up with consul.tlsCa ${JSON.stringify({ issuer, trusted })} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    return bundle();
  };

  // 1. Both trusted, the old CA still signs: every process holds both, its certificate the old one's.
  const both = await upWith("a", ["a", "b"]);
  const [first, newCa] = certificatesIn(both);
  assert.equal(first, oldCa);
  assert.ok(newCa !== undefined && newCa !== oldCa, "a second CA");
  for (const [id, files] of consulFilesByHost()) {
    assert.equal(files.ca, both, id);
    assert.ok(signedBy(files.cert, oldCa), `${id}: signed by the old CA`);
  }
  await siteWhole(both);

  // 2. The new CA signs: every certificate anew, of the new CA, still trusting both.
  assert.equal(await upWith("b", ["a", "b"]), both);
  for (const [id, files] of consulFilesByHost()) {
    assert.equal(files.ca, both, id);
    assert.ok(signedBy(files.cert, newCa) && !signedBy(files.cert, oldCa), `${id}: the new CA's`);
  }
  await siteWhole(both);

  // 3. The new CA alone: nothing trusts the old one, whose certificate no longer verifies the API.
  assert.equal(await upWith("b", ["b"]), newCa);
  for (const [id, files] of consulFilesByHost()) assert.equal(files.ca, newCa, id);
  await siteWhole(newCa);
  const master = site.hosts[0].address;
  const withOld = await consulGet(
    { address: master, token: (await consulNow()).token, caCert: oldCa },
    "/v1/status/leader",
  );
  assert.equal(withOld.status, 0);
  assert.match(withOld.out, /certificate/);
  const { resources } = await deployed!.stack.exportState();
  assert.deepEqual(
    resources
      .filter((r) => /-consul-tls-ca(-b)?$/.test(r.urn))
      .map((r) => r.urn.replace(/^.*::/, "")),
    ["platform-consul-tls-ca-b"],
  );
});

test("Consul's management token rotated: a new one made with the old, given as consulManagementToken, pulumi up; the old one deleted and refused, the site whole", async () => {
  const { token: old, caCert } = await consulNow();
  const api = { address: site.hosts[0].address, token: old, caCert };
  const made = await consulSend(api, "PUT", "/v1/acl/token", {
    Description: `${spec.stack}: the management token, rotated`,
    Policies: [{ Name: "global-management" }],
  });
  assert.equal(made.status, 200, made.out);
  const fresh = (JSON.parse(made.out) as { SecretID: string }).SecretID;
  setSecretConfig(deployed!.stack.name, "lhcb-platform:consulManagementToken", fresh);
  const t = Date.now();
  await deployed!.stack.up();
  console.log(`site: up with a new management token in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.equal((await consulNow()).token, fresh);
  const oldSelf = await consulGet(api, "/v1/acl/token/self");
  const accessor = (JSON.parse(oldSelf.out) as { AccessorID: string }).AccessorID;
  const gone = await consulSend(
    { ...api, token: fresh },
    "DELETE",
    `/v1/acl/token/${accessor}`,
    undefined,
  );
  assert.equal(gone.status, 200, gone.out);
  assert.equal((await consulGet(api, "/v1/acl/token/self")).status, 403);
  assert.equal((await consulGet({ ...api, token: fresh }, "/v1/acl/token/self")).status, 200);
  // What the library writes through its provider still goes through, with the new token.
  await deployed!.stack.previewNoChanges();
  await siteWhole(caCert);
});
