// The site's layout and files, computed from the site stack without touching the machine.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { PlatformSpec } from "../../components/core/platform-spec";
import { siteLayout } from "../../scripts/site/layout";
import {
  daemonJson,
  dockerdCommand,
  hostsLines,
  knownHosts,
  registriesDropIn,
  registryConfig,
  sshClientConfig,
  sshdConfig,
  withoutSiteLines,
} from "../../scripts/site/files";
import { hostPublicKey } from "../../scripts/site/ssh";
import { tempDir } from "../../scripts/temp-dir";

const spec = loadPlatformFromStackFile(process.cwd(), "site");
const REGISTRY = "registry.site.lhcb.test:5000";
const site = siteLayout(spec, REGISTRY, { dataDir: "/d", runDir: "/r" });

test("the site stack: 8 hosts, each a namespace at its own address on one /24, the registry at the gateway", () => {
  assert.deepEqual(
    site.hosts.map((h) => [h.id, h.address, h.ip, h.netns, h.veth]),
    [
      ["master-1", "master-1.site.lhcb.test", "10.231.0.10", "lhcb-site-master-1", "lhcbs0"],
      ["master-2", "master-2.site.lhcb.test", "10.231.0.11", "lhcb-site-master-2", "lhcbs1"],
      ["master-3", "master-3.site.lhcb.test", "10.231.0.12", "lhcb-site-master-3", "lhcbs2"],
      ["slave-1", "slave-1.site.lhcb.test", "10.231.0.13", "lhcb-site-slave-1", "lhcbs3"],
      ["slave-2", "slave-2.site.lhcb.test", "10.231.0.14", "lhcb-site-slave-2", "lhcbs4"],
      ["slave-3", "slave-3.site.lhcb.test", "10.231.0.15", "lhcb-site-slave-3", "lhcbs5"],
      ["lb-1", "lb-1.site.lhcb.test", "10.231.0.16", "lhcb-site-lb-1", "lhcbs6"],
      ["lb-2", "lb-2.site.lhcb.test", "10.231.0.17", "lhcb-site-lb-2", "lhcbs7"],
    ],
  );
  assert.deepEqual(site.registry, {
    name: "registry.site.lhcb.test",
    port: 5000,
    dataDir: "/d/registry",
    user: "lhcb-site",
    loginDir: "/d/registry-login",
  });
  assert.equal(site.gateway, "10.231.0.1");
  for (const h of site.hosts) assert.ok(h.veth.length <= 15);
});

test("every image the stack's containers use is copied from the machine's Docker under its name without the registry", () => {
  assert.deepEqual(
    site.images.map((i) => i.source),
    [
      "lhcb-platform/consul-esm:0.9.1",
      "lhcb-platform/consul:1.16.6",
      "lhcb-platform/haproxy:2.6",
      "lhcb-platform/port-guard:1.1.0",
      "lhcb-platform/service:1.0.0",
      "lhcb-platform/zookeeper:3.8.4",
    ],
  );
  for (const i of site.images) assert.equal(i.target, `${REGISTRY}/${i.source}`);
});

test("a stack the site cannot hold is refused, naming the stack file and the path", () => {
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  assert.throws(
    () => siteLayout(local, ""),
    new Error("Pulumi.local.yaml: lhcb-platform:environment: expected cert or prod, not local"),
  );
  const byIp: PlatformSpec = {
    ...spec,
    hosts: spec.hosts.map((h, i) => (i === 4 ? { ...h, address: "10.9.9.9" } : h)),
  };
  assert.throws(
    () => siteLayout(byIp, REGISTRY),
    new Error(
      'Pulumi.site.yaml: lhcb-platform:hosts[4].address: expected a DNS name, got "10.9.9.9"',
    ),
  );
  const byTcp: PlatformSpec = {
    ...spec,
    hosts: spec.hosts.map((h, i) => (i === 1 ? { ...h, docker: { host: "tcp://x:2376" } } : h)),
  };
  assert.throws(
    () => siteLayout(byTcp, REGISTRY),
    new Error(
      'Pulumi.site.yaml: lhcb-platform:hosts[1].docker.host: expected "ssh://root@master-2.site.lhcb.test" (the site\'s hosts are reached over SSH at their names), got "tcp://x:2376"',
    ),
  );
  assert.throws(
    () => siteLayout(spec, "registry.site.lhcb.test"),
    /^Error: Pulumi.site.yaml: lhcb-platform:registry: expected the site registry as name:port/,
  );
  // The site's registry asks every client for a login: a stack without a user is refused.
  assert.throws(
    () => siteLayout({ ...spec, registryLogin: undefined }, REGISTRY),
    new Error(
      "Pulumi.site.yaml: lhcb-platform:registryUser: expected the user the hosts pull as: the site's registry asks for a login",
    ),
  );
});

test("the machine's image tools are told that the site's registry, and it alone, serves plain HTTP", () => {
  assert.equal(
    registriesDropIn(site),
    "# The registry of the lhcb-platform site site on this machine: plain HTTP. Written by\n" +
      "# `npm run site -- up`, removed by `npm run site -- down`.\n" +
      "[[registry]]\n" +
      'location = "registry.site.lhcb.test:5000"\n' +
      "insecure = true\n",
  );
});

test("the site's lines in shared files end with its mark, and only those are removed", () => {
  const lines = hostsLines(site);
  assert.deepEqual(lines.slice(0, 2), [
    "10.231.0.1 registry.site.lhcb.test # lhcb-platform-site",
    "10.231.0.10 master-1.site.lhcb.test # lhcb-platform-site",
  ]);
  const before = "127.0.0.1 localhost\n::1 localhost\n";
  assert.equal(withoutSiteLines(before + lines.join("\n") + "\n"), before);
});

test("a host's sshd: on its address, keys only, its own engine for every session", () => {
  const slave = site.hosts[3];
  assert.equal(
    sshdConfig(site, slave),
    [
      "ListenAddress 10.231.0.13:22",
      "HostKey /d/hosts/slave-1/ssh_host_ed25519_key",
      "PidFile /r/slave-1/sshd.pid",
      "AuthorizedKeysFile /d/ssh/authorized_keys",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "X11Forwarding no",
      "AllowTcpForwarding no",
      "SetEnv DOCKER_HOST=unix:///r/slave-1/docker.sock",
      "",
    ].join("\n"),
  );
  const client = sshClientConfig(site);
  assert.match(
    client,
    /^Host master-1\.site\.lhcb\.test master-2\.site\.lhcb\.test .* lb-2\.site\.lhcb\.test$/m,
  );
  assert.match(client, /^ {2}StrictHostKeyChecking yes$/m);
  assert.match(client, /^ {2}IdentityFile \/d\/ssh\/id_ed25519$/m);
  assert.equal(
    knownHosts([{ address: "a.b", publicKey: "ssh-ed25519 AAAAC3 root@a.b\n" }]),
    "a.b ssh-ed25519 AAAAC3\n",
  );
});

test("a host's SSH key as its sshd shows it, read from the key `npm run site -- up` made; a host without one is named", () => {
  const dataDir = tempDir("lhcb-site-keys-");
  const made = siteLayout(spec, REGISTRY, { dataDir, runDir: "/r" });
  const [first, second] = made.hosts;
  mkdirSync(first.dataDir, { recursive: true });
  writeFileSync(
    join(first.dataDir, "ssh_host_ed25519_key.pub"),
    "ssh-ed25519 AAAAC3NzaC1 root@master-1.site.lhcb.test\n",
  );
  assert.equal(hostPublicKey(made, first), "ssh-ed25519 AAAAC3NzaC1");
  assert.throws(
    () => hostPublicKey(made, second),
    new Error(
      `master-2's SSH host key ${second.dataDir}/ssh_host_ed25519_key.pub does not exist: \`npm run site -- up\` makes it`,
    ),
  );
});

test("each engine: its own roots, socket and cgroup; the registry trusted over HTTP; the registry on the gateway only", () => {
  const h = site.hosts[0];
  assert.deepEqual(dockerdCommand(h), [
    "env",
    "GOGC=400",
    "dockerd",
    "--config-file",
    "/r/master-1/daemon.json",
    "--data-root",
    "/d/hosts/master-1/docker",
    "--exec-root",
    "/r/master-1/exec",
    "--pidfile",
    "/r/master-1/docker.pid",
    "--host",
    "unix:///r/master-1/docker.sock",
    "--cgroup-parent",
    "/lhcb-site-master-1",
    "--exec-opt",
    "native.cgroupdriver=cgroupfs",
    "--log-level",
    "warn",
  ]);
  assert.deepEqual(JSON.parse(daemonJson(site))["insecure-registries"], [
    "registry.site.lhcb.test:5000",
  ]);
  assert.equal(
    registryConfig(site),
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      "    rootdirectory: /d/registry",
      "  delete:",
      "    enabled: true",
      "http:",
      "  addr: 10.231.0.1:5000",
      "auth:",
      "  htpasswd:",
      "    realm: registry.site.lhcb.test",
      "    path: /d/registry-login/htpasswd",
      "",
    ].join("\n"),
  );
});
