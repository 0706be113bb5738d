// The multi-host site for real: `npm run site -- up` (a namespace, Docker Engine and sshd per host of
// Pulumi.site.yaml, a registry), `pulumi up` of a scratch copy of the site stack over ssh://, then
// what runs on each host, Consul's and ZooKeeper's quorums across hosts, and both load balancers
// serving every service; at the end `pulumi destroy` and `npm run site -- down`, which leave nothing.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { PlatformSpec } from "../../components/core/platform-spec";
import { hostPorts } from "../../components/host-ports";
import { plannedContainers } from "../../components/plan";
import { DeployedSite, deploySite, removeSite, site } from "../support/site-fixture";
import {
  catalogReadToken,
  consulGet,
  consulSend,
  lbConsulTemplateConfig,
  onHost,
  serversOf,
  SiteConsul,
  timeUntil,
  whitelistOn,
} from "../support/site-probes";
import { inNetnsArgs } from "../../scripts/site/layout";
import { sshPaths } from "../../scripts/site/files";
import { setSecretConfig } from "../../scripts/site/deploy";
import { siteRegistryLogin } from "../../scripts/site/registry";
import { hostPublicKey } from "../../scripts/site/ssh";
import { CONSUL_CONFIG_FILE } from "../../components/consul/consul-containers";
import { consulHttp } from "../../components/consul/consul-http";
import { CA_COMMAND, CERT_COMMAND } from "../../components/consul/consul-tls";
import { CONSUL_TLS_PATHS } from "../../components/consul/consul-tls-plan";
import { splitKeyAndCertificate } from "../../components/core/openssl-certificates";
import { rpcConnection } from "../support/consul-rpc-probe";
import { runCertificateCommand } from "../support/certificate-commands";
import { AUTHENTICATION_REQUIRED, NOT_AUTHORIZED, zookeeperAs } from "../support/zookeeper-client";
import { addStranger, linkLocalOf, removeStranger, tcpFrom } from "../support/site-stranger";
import { guardChain } from "../../components/hosts/port-guard";
import { bridgePort } from "../../components/services/service-containers";

let deployed: DeployedSite | undefined;
let spec: PlatformSpec;

before(async () => {
  deployed = await deploySite("site");
  spec = deployed.spec;
});

after(() => removeSite(deployed));

test("the site registry asks for the login: a stranger, a wrong password and an Engine without it are refused; every host pulled with the stack's", async () => {
  const login = siteRegistryLogin(site);
  const catalog = `http://${login.address}/v2/_catalog`;
  const basic = (password: string) => ({
    authorization: `Basic ${Buffer.from(`${login.username}:${password}`).toString("base64")}`,
  });
  assert.equal((await fetch(catalog)).status, 401);
  assert.equal((await fetch(catalog, { headers: basic("not-the-password") })).status, 401);
  const held = await fetch(catalog, { headers: basic(login.password) });
  assert.equal(held.status, 200);
  assert.ok(
    ((await held.json()) as { repositories: string[] }).repositories.includes(
      "lhcb-platform/service",
    ),
  );
  // An Engine asked to pull without a login (`docker pull` on a host, no `docker login` there).
  const slave = site.hosts.find((h) => h.id === spec.slaves[0].id)!;
  const pull = spawnSync(
    "docker",
    ["-H", `ssh://root@${slave.address}`, "pull", "-q", spec.images.service],
    { encoding: "utf8" },
  );
  assert.notEqual(pull.status, 0);
  assert.match(pull.stderr, /no basic auth credentials/);
  // Every host's Docker provider holds the login, its password kept secret in the state.
  type State = {
    deployment: { resources: { type: string; inputs?: { registryAuth?: unknown } }[] };
  };
  const providersIn = async (args: string[]) =>
    (
      JSON.parse(await deployed!.stack.pulumi(["stack", "export", ...args])) as State
    ).deployment.resources.filter((r) => r.type === "pulumi:providers:docker");
  const stored = await providersIn(["--stack", deployed!.stack.name]);
  assert.equal(stored.length, site.hosts.length);
  for (const p of stored)
    assert.deepEqual(Object.keys(p.inputs!.registryAuth as object).sort(), [
      "4dabf18193072939515e22adb298388d",
      "ciphertext",
    ]);
  for (const p of await providersIn(["--show-secrets", "--stack", deployed!.stack.name])) {
    const { plaintext } = p.inputs!.registryAuth as { plaintext: string };
    assert.deepEqual(JSON.parse(JSON.parse(plaintext) as string), [login]);
  }
});

test("a new registry password (a rotation) changes every host's Docker provider and nothing placed on it", async () => {
  const stack = deployed!.stack;
  setSecretConfig(stack.name, "lhcb-platform:registryPassword", "a-rotated-password");
  try {
    const preview = await stack.preview();
    const summary = preview.slice(preview.lastIndexOf("Resources:"));
    assert.match(summary, new RegExp(`^ +~ ${site.hosts.length} to update$`, "m"), summary);
    assert.doesNotMatch(summary, /to (replace|create|delete)/, summary);
    const updated = preview
      .slice(0, preview.lastIndexOf("Resources:"))
      .split("\n")
      .filter((l) => /^ +~ /.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1, 3).join(" "));
    assert.deepEqual(
      updated.sort(),
      site.hosts.map((h) => `pulumi:providers:docker platform-hosts-${h.id}`).sort(),
    );
  } finally {
    setSecretConfig(stack.name, "lhcb-platform:registryPassword", siteRegistryLogin(site).password);
  }
});

test("each host runs exactly the containers the plan places on it, pulled from the site registry", () => {
  for (const h of site.hosts) {
    const planned = plannedContainers(spec)
      .filter((c) => c.hostId === h.id)
      .map((c) => `${c.container.name} ${c.container.image}`)
      .sort();
    const running = onHost(h.address, "ps", "--format", "{{.Names}} {{.Image}}")
      .trim()
      .split("\n")
      .sort();
    assert.deepEqual(running, planned, h.id);
    for (const line of running) assert.match(line, / registry\.site\.lhcb\.test:5000\//);
  }
});

test("Consul: every host's agent or server alive at its own address, one leader among the three servers", async () => {
  const consul = { address: site.hosts[0].address, ...deployed!.consul };
  const nodes = JSON.parse((await consulGet(consul, "/v1/catalog/nodes")).out) as {
    Node: string;
    Address: string;
  }[];
  const own = nodes.filter((n) => !n.Node.endsWith("-instances")).map((n) => [n.Node, n.Address]);
  assert.deepEqual(own.sort(), site.hosts.map((h) => [`${spec.stack}-${h.id}`, h.ip]).sort());
  const raft = JSON.parse((await consulGet(consul, "/v1/operator/raft/configuration")).out) as {
    Servers: { Node: string; Leader: boolean; Voter: boolean }[];
  };
  assert.deepEqual(
    raft.Servers.map((s) => s.Node).sort(),
    ["master-1", "master-2", "master-3"].map((m) => `${spec.stack}-${m}`),
  );
  assert.equal(raft.Servers.filter((s) => s.Leader).length, 1);
});

test("ZooKeeper: one leader and two followers across the three masters", () => {
  const modes = site.hosts
    .slice(0, 3)
    .map((h) =>
      onHost(
        h.address,
        "exec",
        `${spec.stack}-zookeeper-${h.id}`,
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep '^Mode: ' <&3",
      ).trim(),
    );
  assert.deepEqual([...modes].sort(), ["Mode: follower", "Mode: follower", "Mode: leader"]);
});

test("ZooKeeper: every member refuses a client that does not authenticate; a stranger makes nothing; the stack's admin finds the top znode its own", async () => {
  const password = (
    await madeStdout(deployed!.stack, "platform-zookeeper-password-platform-admin")
  ).trim();
  assert.match(password, /^[0-9a-f]{48}$/);
  const hash = createHash("sha1").update(`platform-admin:${password}`).digest("base64");
  const open = [{ who: "anyone", perms: "cdrwa" }];
  for (const h of site.hosts.slice(0, 3)) {
    const at = { host: h.address, port: 2181 };
    assert.deepEqual(zookeeperAs(at, [], [{ op: "getChildren", path: "/" }]), [
      AUTHENTICATION_REQUIRED,
    ]);
    assert.deepEqual(
      zookeeperAs(
        at,
        [["stranger", "x"]],
        [
          { op: "getChildren", path: "/" },
          { op: "create", path: "/stranger", acl: open },
          { op: "setAcl", path: "/", acl: open },
        ],
      ),
      [{ value: ["zookeeper"] }, NOT_AUTHORIZED, NOT_AUTHORIZED],
      h.id,
    );
    assert.deepEqual(
      zookeeperAs(at, [["platform-admin", password]], [{ op: "getAcl", path: "/" }]),
      [
        {
          value: [
            { perms: 1, scheme: "world", id: "anyone" },
            { perms: 31, scheme: "digest", id: `platform-admin:${hash}` },
          ],
        },
      ],
      h.id,
    );
  }
});

test("both load balancers serve every service, with every instance up", async () => {
  for (const lb of spec.loadBalancers) {
    for (const s of spec.services.filter((x) => x.mode === "pulumi")) {
      if (s.protocol === "http") {
        const code = execFileSync(
          "curl",
          [
            "-s",
            "-m",
            "3",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            `http://${lb.address}:${s.port}${s.check.http ?? "/"}`,
          ],
          { encoding: "utf8" },
        );
        assert.equal(code, "200", `${lb.id} ${s.name}`);
      } else {
        const connect = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/${lb.address}/${s.port}`], {
          timeout: 3000,
        });
        assert.equal(connect.status, 0, `${lb.id} ${s.name}`);
      }
    }
    // The stats page, on the balancer's loopback: asked on its host, refused from elsewhere.
    const servers = await serversOf(site, spec, lb.id);
    const instances = spec.services
      .filter((x) => x.mode === "pulumi")
      .reduce((n, s) => n + s.hosts.length, 0);
    assert.equal(servers.size, instances, `${lb.id}: one server per instance`);
    for (const [server, status] of servers) assert.equal(status, "UP", `${lb.id}: ${server}`);
    const outside = spawnSync("curl", [
      "-sS",
      "-m",
      "3",
      `http://${lb.address}:${spec.loadBalancer.statsPort}/stats;csv`,
    ]);
    assert.equal(outside.status, 7, `${lb.id}: the stats page refuses a connection from outside`);
  }
});

test("the whitelist of healthy slaves on every master lists the three slaves' agent hostnames", async () => {
  const expected = spec.slaves.map((h) => h.address).sort();
  for (const m of spec.masters)
    await timeUntil(
      `the whitelist on ${m.id}`,
      async () => JSON.stringify(await whitelistOn(spec, m.id)) === JSON.stringify(expected),
      30,
    );
  assert.deepEqual(await whitelistOn(spec, spec.masters[0].id), [
    "slave-1.site.lhcb.test",
    "slave-2.site.lhcb.test",
    "slave-3.site.lhcb.test",
  ]);
});

test("each host listens on exactly the ports the plan gives its parts (hostPorts), besides its sshd", () => {
  const planned = hostPorts(spec);
  for (const h of site.hosts) {
    const ss = execFileSync("nsenter", inNetnsArgs(h, ["ss", "-Hlntu"]), {
      encoding: "utf8",
    });
    const listening = new Set(
      ss
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .map((f) => `${f[4].slice(f[4].lastIndexOf(":") + 1)}/${f[0]}`)
        .filter((p) => p !== "22/tcp"),
    );
    // ZooKeeper's peer port: only the leader listens on it.
    const leaderOnly = "2888/tcp";
    const expected = (planned.get(h.id) ?? [])
      .map((p) => `${p.port}/${p.protocol}`)
      .filter((p) => p !== leaderOnly || listening.has(p));
    assert.deepEqual([...listening].sort(), [...new Set(expected)].sort(), `${h.id}: ss -lntu`);
  }
  const peers = spec.masters.filter(
    (m) =>
      execFileSync(
        "nsenter",
        inNetnsArgs(
          site.hosts.find((h) => h.id === m.id)!,
          ["ss", "-Hlnt", "sport = :2888"],
        ),
        { encoding: "utf8" },
      ).trim() !== "",
  );
  assert.equal(peers.length, 1, "one ZooKeeper leader listens on the peer port");
});

test("a slave's instance ports answer the masters, the balancers and the machine (adminNetworks), and refuse a stranger, also routed straight to a container, with the guard stopped or its rules flushed", async () => {
  const stranger = addStranger(site);
  try {
    const hostOf = (id: string) => site.hosts.find((h) => h.id === id)!;
    const slave = hostOf("slave-1");
    const ports = spec.services
      .filter((s) => s.hosts.includes(slave.id))
      .flatMap((s) => (s.check.command ? [s.port, bridgePort(s)] : [s.port]));
    assert.ok(ports.length >= 2, `instances on ${slave.id}: ${ports.join(", ")}`);
    const from = (who: string | undefined) => ports.map((p) => tcpFrom(who, slave.ip, p));
    const all = (outcome: string) => ports.map(() => outcome);
    assert.deepEqual(from(stranger.netns), all("refused"), "a stranger");
    assert.deepEqual(from(hostOf("lb-1").netns), all("open"), "a balancer");
    assert.deepEqual(from(hostOf("master-2").netns), all("open"), "a master");
    assert.deepEqual(from(undefined), all("open"), "the machine, the stack's adminNetworks");
    // The instances publish on IPv4 only (0.0.0.0), so nothing answers a stranger at the slave's
    // IPv6 address either (the guard's IPv6 chain is for what Docker's proxy publishes there:
    // Mesos's tasks).
    const v6 = linkLocalOf(slave.netns);
    assert.deepEqual(
      ports.map((p) => tcpFrom(stranger.netns, v6, p, "eth0")),
      all("refused"),
      "a stranger over IPv6",
    );
    // Routed straight to an instance's container address (a neighbour with a route through the
    // slave), past Docker's NAT: refused to the stranger, while a balancer so routed gets through.
    const instance = plannedContainers(spec).find(
      (c) => c.hostId === slave.id && c.container.labels?.["platform.component"] === "service",
    )!.container;
    const inside = onHost(
      slave.address,
      "inspect",
      "-f",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
      instance.name,
    ).trim();
    const port = instance.ports![0].internal;
    const lb = hostOf("lb-1");
    const route = (netns: string, verb: string) =>
      execFileSync("ip", ["-n", netns, "route", verb, `${inside}/32`, "via", slave.ip]);
    route(stranger.netns, "add");
    route(lb.netns, "add");
    try {
      assert.equal(
        tcpFrom(stranger.netns, inside, port),
        "refused",
        `${instance.name} at ${inside}`,
      );
      assert.equal(tcpFrom(lb.netns, inside, port), "open", `${instance.name} at ${inside}`);
    } finally {
      route(lb.netns, "del");
    }
    // What is not an instance's port is not the guard's: the host's sshd answers the stranger.
    const seen = () =>
      ["ss -Hlnt", "iptables -S INPUT", `iptables -S ${guardChain(spec.stack)}`]
        .map(
          (c) =>
            `${c}:\n${execFileSync("nsenter", inNetnsArgs(slave, c.split(" ")), { encoding: "utf8" })}`,
        )
        .join("");
    // Open, or a failure that says what the slave had (read only then).
    const open = (outcome: string, what: string) => {
      if (outcome !== "open")
        assert.fail(`${what}: ${outcome}, expected open; on ${slave.id}, ${seen()}`);
    };
    open(tcpFrom(stranger.netns, slave.ip, 22), `the stranger to ${slave.id}'s sshd`);

    // A stopped guard leaves its ports closed.
    const guard = `${spec.stack}-port-guard-${slave.id}`;
    const written = () =>
      (onHost(slave.address, "logs", guard).match(/^port guard: IPv/gm) ?? []).length;
    const before = written();
    onHost(slave.address, "stop", guard);
    assert.deepEqual(from(stranger.netns), all("refused"), "a stranger, the guard stopped");
    onHost(slave.address, "start", guard);
    // Its chain flushed by hand (as a firewall's reload would), once the restarted guard has
    // written its rules (IPv4 and IPv6): open, until the guard puts them back, within its check
    // every 15 s.
    await timeUntil("the restarted guard's rules", async () => written() >= before + 2, 20);
    execFileSync("nsenter", inNetnsArgs(slave, ["iptables", "-F", guardChain(spec.stack)]));
    open(tcpFrom(stranger.netns, slave.ip, ports[0]), "the stranger, the chain flushed");
    const ms = await timeUntil(
      "the guard's rules back",
      async () => tcpFrom(stranger.netns, slave.ip, ports[0]) === "refused",
      25,
    );
    console.log(`the guard's rules were back ${ms} ms after the flush`);
    assert.deepEqual(from(stranger.netns), all("refused"), "a stranger, the rules back");
  } finally {
    removeStranger(stranger);
  }
});

test("Consul's ACLs: without a token nothing is written and nothing is seen; each part's token does its part's work, and no more", async () => {
  const master = site.hosts[0];
  const { caCert } = deployed!.consul;
  const anonymous = { address: master.address, caCert };
  const manager = { address: master.address, ...deployed!.consul };
  const reader = { address: master.address, token: catalogReadToken(spec), caCert };
  const http = spec.services.find((s) => s.protocol === "http" && s.mode === "pulumi")!;
  // Registered under its key, tagged with its stack (the balancers' `service "<stack>.<key>"`).
  const service = http.key;
  // A stranger's instance of a service, as someone on the network would offer it to the balancers.
  const stranger = {
    Node: `${spec.stack}-stranger`,
    Address: "10.213.200.66",
    Service: { Service: service, Tags: [spec.stack], Address: "10.213.200.66", Port: http.port },
  };
  const refused = async (who: SiteConsul, method: "PUT", path: string, body: unknown) =>
    assert.equal((await consulSend(who, method, path, body)).status, 403, `${method} ${path}`);
  for (const who of [anonymous, reader]) {
    await refused(who, "PUT", "/v1/catalog/register", stranger);
    await refused(who, "PUT", "/v1/catalog/deregister", { Node: `${spec.stack}-slave-1` });
    await refused(who, "PUT", "/v1/agent/service/register", { Name: service, Port: 1 });
    await refused(who, "PUT", `/v1/kv/platform/${spec.stack}/agents/x`, "x");
  }
  // Without a token the catalog hides every instance; the balancers' token sees them.
  assert.equal((await consulGet(anonymous, `/v1/health/service/${service}`)).out.trim(), "[]");
  const seen = JSON.parse(
    (await consulGet(reader, `/v1/health/service/${service}?passing&tag=${spec.stack}`)).out,
  );
  assert.equal((seen as unknown[]).length, http.hosts.length);
  // Each slave's agent registered the host with its node's token: the whitelist's source.
  const slaves = JSON.parse(
    (await consulGet(reader, "/v1/health/service/mesos-slave-host?passing")).out,
  ) as { Node: { Node: string } }[];
  assert.deepEqual(
    slaves.map((e) => e.Node.Node).sort(),
    spec.slaves.map((h) => `${spec.stack}-${h.id}`),
  );
  // consul-esm, with its token: registered on both masters, and writing what an instance's check
  // finds (its health switched off on its own address, then on again).
  const esmService = `/v1/catalog/service/${spec.stack}-consul-esm`;
  const esm = JSON.parse((await consulGet(manager, esmService)).out);
  assert.equal((esm as unknown[]).length, 2);
  // Its token reaches its own stack only: another stack's node and a service of no catalog are
  // refused.
  const esmToken = (
    JSON.parse(
      onHost(
        master.address,
        "exec",
        `${spec.stack}-consul-esm-${master.id}`,
        "cat",
        "/etc/consul-esm/config.hcl",
      ),
    ) as { token: string }
  ).token;
  const esmClient = { address: master.address, token: esmToken, caCert };
  await refused(esmClient, "PUT", "/v1/catalog/register", {
    ...stranger,
    Node: "other-stack-node",
  });
  const noCatalog = {
    ...stranger,
    Service: { ...stranger.Service, Service: "not-in-the-catalog" },
  };
  await refused(esmClient, "PUT", "/v1/catalog/register", noCatalog);
  const one = (seen as { Service: { ID: string; Address: string; Port: number } }[])[0].Service;
  const statusOf = async () => {
    const r = await consulGet(manager, `/v1/health/service/${service}`);
    const entries = JSON.parse(r.out) as { Checks: { ServiceID: string; Status: string }[] }[];
    return entries.flatMap((e) => e.Checks).find((c) => c.ServiceID === one.ID)?.Status;
  };
  for (const [state, status] of [
    ["fail", "critical"],
    ["ok", "passing"],
  ]) {
    const url = `http://${one.Address}:${one.Port}/admin/health?state=${state}`;
    assert.equal((await fetch(url, { method: "POST" })).status, 200, url);
    await timeUntil(
      `consul-esm writing ${one.ID} ${status}`,
      async () => (await statusOf()) === status,
      30,
    );
  }
  // The scheduled agents, with theirs: sessions, their lock and their run records.
  const agent = spec.agents.find((a) => a.mode === "pulumi")!;
  await timeUntil(
    `a run record of ${agent.name}`,
    async () =>
      (await consulGet(manager, `/v1/kv/platform/${spec.stack}/agents/${agent.key}/runs/?keys`)).ok,
    60,
  );
  // The management token writes: an instance of a service of no stack, then gone again.
  const probe = { ...stranger, Service: { ...stranger.Service, Service: "acl-probe" } };
  assert.equal((await consulSend(manager, "PUT", "/v1/catalog/register", probe)).status, 200);
  const gone = { Node: stranger.Node };
  assert.equal((await consulSend(manager, "PUT", "/v1/catalog/deregister", gone)).status, 200);
});

test("Consul's TLS: its API only as HTTPS with a certificate of the platform's CA; RPC only from a holder of one", async () => {
  const master = site.hosts[0];
  const slave = site.hosts.find((h) => h.id === spec.slaves[0].id)!;
  const { caCert, token } = deployed!.consul;
  // Plain HTTP is off on servers and agents alike.
  for (const h of [master, slave]) {
    const plain = await consulHttp(`http://${h.address}:8500/v1/status/leader`, {
      timeoutMs: 2000,
    }).then(
      () => "answered",
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    assert.equal(plain, "ECONNREFUSED", h.id);
  }
  // HTTPS checked against the system's CAs alone fails: the certificate is the platform's own.
  await assert.rejects(
    consulHttp(`https://${slave.address}:8501/v1/status/leader`, { timeoutMs: 2000 }),
    /certificate/,
  );
  // With the CA, the host's own address is one its certificate names.
  const self = await consulGet({ address: slave.address, caCert, token }, "/v1/agent/self");
  assert.equal(self.status, 200, self.out);
  // RPC to a server: an agent's certificate of the CA is accepted; one of another CA, none, and
  // plain text are refused.
  const agentFile = (path: string) =>
    onHost(slave.address, "exec", `${spec.stack}-consul-agent-${slave.id}`, "cat", path);
  const serverName = `server.${spec.consul.datacenter}.consul`;
  const agent = { cert: agentFile(CONSUL_TLS_PATHS.cert), key: agentFile(CONSUL_TLS_PATHS.key) };
  const stranger = certificateOfAnotherCa(`client.${spec.consul.datacenter}.consul`);
  const outcomes = {
    agent: await rpcConnection(master.address, { ca: caCert, serverName, ...agent }),
    stranger: await rpcConnection(master.address, { ca: caCert, serverName, ...stranger }),
    none: await rpcConnection(master.address, { ca: caCert, serverName }),
    plain: await rpcConnection(master.address),
  };
  console.log(`site: RPC to ${master.id}: ${JSON.stringify(outcomes)}`);
  assert.equal(outcomes.agent, "accepted");
  assert.match(outcomes.stranger, /^refused: .*alert unknown ca/);
  assert.match(outcomes.none, /^refused: .*alert certificate required/);
  assert.equal(outcomes.plain, "refused: closed by the server");
});

test("each host is prepared only where it shows the SSH key the site made for it (prepare.hostKey)", async () => {
  const stack = deployed!.stack;
  const state = JSON.parse(
    await stack.pulumi(["stack", "export", "--show-secrets", "--stack", stack.name]),
  ) as { deployment: { resources: { type: string; inputs?: { connection?: unknown } }[] } };
  // The connection holds the operator's key, a secret: exported as an object whose `plaintext`
  // holds the connection as JSON.
  type Connection = { host: string; hostKey?: string };
  const pinned = new Map(
    state.deployment.resources
      .filter((r) => r.type === "command:remote:Command")
      .map((r) => {
        const c = r.inputs!.connection as Connection | { plaintext: string };
        const connection = "plaintext" in c ? (JSON.parse(c.plaintext) as Connection) : c;
        return [connection.host, connection.hostKey];
      }),
  );
  assert.deepEqual(pinned, new Map(site.hosts.map((h) => [h.address, hostPublicKey(site, h)])));
});

/** What the stack's command `name` printed (a secret made at `up`), from its state. */
async function madeStdout(stack: DeployedSite["stack"], name: string): Promise<string> {
  const state = JSON.parse(
    await stack.pulumi(["stack", "export", "--show-secrets", "--stack", stack.name]),
  ) as { deployment: { resources: { urn: string; outputs?: { stdout?: unknown } }[] } };
  const made = state.deployment.resources.find((r) => r.urn.endsWith(`::${name}`));
  // A secret output is exported as an object whose `plaintext` holds the value as JSON.
  const stdout = made?.outputs?.stdout as string | { plaintext: string } | undefined;
  const text = typeof stdout === "object" ? (JSON.parse(stdout.plaintext) as string) : stdout;
  assert.ok(text, `${name}: no output in the state`);
  return text;
}

/** The private key of the stack's Consul CA, read from its state with the secrets shown. */
async function madeCaKey(stack: DeployedSite["stack"]): Promise<string> {
  const made = await madeStdout(stack, "platform-consul-tls-ca");
  return splitKeyAndCertificate("the stack's CA", made).key;
}

/** A key and a certificate for `name` from a CA of its own, as the platform's commands make them. */
function certificateOfAnotherCa(name: string): { cert: string; key: string } {
  const run = runCertificateCommand;
  const ca = splitKeyAndCertificate(
    "CA",
    run(CA_COMMAND, { CA_NAME: "stranger", VALID_DAYS: "1" }),
  );
  const env = { CA_KEY: ca.key, CA_CERT: ca.cert, CERT_NAME: name, VALID_DAYS: "1" };
  return splitKeyAndCertificate("cert", run(CERT_COMMAND, { ...env, CERT_SANS: `DNS:${name}` }));
}

test("no secret in plain text: not in the state, not in any container's definition or log", async () => {
  const stack = deployed!.stack;
  const gossipKey = (
    await stack.pulumi(["config", "get", "lhcb-platform:consulGossipKey", "--stack", stack.name])
  ).trim();
  const sshKey = readFileSync(sshPaths(site).clientKey, "utf8");
  // A line of the key's body: long enough to be the key's alone.
  const sshLine = sshKey.split("\n").find((l) => l.length >= 40 && !l.startsWith("-----"))!;
  assert.equal(Buffer.from(gossipKey, "base64").length, 32, "the stack's gossip key");
  const master = site.hosts[0];
  const slave = site.hosts.find((h) => h.id === spec.slaves[0].id)!;
  const configOf = (h: { address: string; id: string }, part: string) =>
    onHost(h.address, "exec", `${spec.stack}-${part}-${h.id}`, "cat", CONSUL_CONFIG_FILE);
  const slaveToken = (
    JSON.parse(configOf(slave, "consul-agent")) as { acl: { tokens: { agent: string } } }
  ).acl.tokens.agent;
  // A line of the slave agent's TLS key, and of the CA's (the stack holds it, as a secret).
  const keyLine = (pem: string) => pem.split("\n").find((l) => l.length >= 40)!;
  const slaveKey = keyLine(
    onHost(
      slave.address,
      "exec",
      `${spec.stack}-consul-agent-${slave.id}`,
      "cat",
      CONSUL_TLS_PATHS.key,
    ),
  );
  const caKey = keyLine(await madeCaKey(stack));
  // ZooKeeper's admin password: only the ACL step, where `pulumi up` runs, holds it.
  const zookeeperPassword = (
    await madeStdout(stack, "platform-zookeeper-password-platform-admin")
  ).trim();
  const secrets = [
    gossipKey,
    sshLine,
    deployed!.consul.token,
    catalogReadToken(spec),
    slaveToken,
    slaveKey,
    caKey,
    zookeeperPassword,
    siteRegistryLogin(site).password,
  ];
  assert.equal(new Set(secrets).size, 9);
  const leaks = (where: string, text: string) =>
    secrets.flatMap((s, i) => (text.includes(s) ? [`${where} (secret ${i})`] : []));

  // Where each must be, the search finds it: the gossip key and the management token in the
  // servers' configuration, a slave's token in its agent's, the balancers' token in theirs.
  assert.deepEqual(leaks("server", configOf(master, "consul-server")), [
    "server (secret 0)",
    "server (secret 2)",
  ]);
  assert.deepEqual(leaks("agent", configOf(slave, "consul-agent")), [
    "agent (secret 0)",
    "agent (secret 4)",
  ]);
  assert.deepEqual(leaks("lb", lbConsulTemplateConfig(spec)), ["lb (secret 3)"]);

  const found = [
    ...leaks("pulumi stack export", await stack.pulumi(["stack", "export", "--stack", stack.name])),
  ];
  for (const h of site.hosts) {
    const ids = onHost(h.address, "ps", "-aq").trim().split("\n").filter(Boolean);
    found.push(...leaks(`docker inspect on ${h.id}`, onHost(h.address, "inspect", ...ids)));
    for (const id of ids) {
      const logs = spawnSync("docker", ["-H", `ssh://root@${h.address}`, "logs", id], {
        encoding: "utf8",
        maxBuffer: 256 * 2 ** 20,
      });
      found.push(...leaks(`docker logs ${id} on ${h.id}`, logs.stdout + logs.stderr));
    }
  }
  assert.deepEqual(found, []);
});
