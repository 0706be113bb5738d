import assert from "node:assert/strict";
import { test } from "node:test";
import { agentContainer, agentLockKey } from "../../components/agents/agent-containers";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { toContainerArgs } from "../../components/hosts/container-args";

const local = loadPlatformFromStackFile(process.cwd(), "local");

/** The containers of the local stack's agent `name`, one per host it is placed on. */
function containersOf(name: string) {
  const agent = local.agents.find((a) => a.name === name)!;
  return agent.hosts.map((id) =>
    agentContainer(
      local,
      agent,
      local.hosts.find((h) => h.id === id)!,
    ),
  );
}

test("an agent runs on two slaves, both guarded by the same Consul lock", () => {
  const agent = local.agents.find((a) => a.name === "Sample/LongRun")!;
  assert.equal(agent.hosts.length, 2);
  const [a, b] = containersOf(agent.name);
  assert.equal(a.env!.AGENT_LOCK_KEY, "platform/local/agents/sample-longrun");
  assert.equal(b.env!.AGENT_LOCK_KEY, a.env!.AGENT_LOCK_KEY);
  assert.equal(agentLockKey(local, agent), a.env!.AGENT_LOCK_KEY);
  assert.deepEqual(a.command, ["agent", "Sample/LongRun"]);
  assert.equal(a.env!.AGENT_RUN, "cycle");
  assert.equal(a.env!.AGENT_SCHEDULE, "*/10 * * * * *");
  assert.equal(a.env!.AGENT_DURATION, "25");
  assert.equal(a.env!.CONSUL_HTTP_ADDR, `http://local-consul-agent-${agent.hosts[0]}:8500`);
  assert.equal(a.restart, "always");
  assert.equal(a.labels!["platform.component"], "agent");
  // The local stack's Consul is open: no token; the sample image reads no DIRAC configuration.
  assert.equal(a.env!.CONSUL_HTTP_TOKEN_FILE, undefined);
  assert.equal(a.files, undefined);
  assert.equal(a.extraHosts, undefined);
});

test("DIRAC's agents run on the DIRAC image as nobody with the installation's configuration: a loop agent without a schedule, a cycle agent with its own", () => {
  const [loop] = containersOf("Transformation/TransformationAgent");
  const [cycle] = containersOf("Transformation/InputDataAgent");
  for (const c of [loop, cycle]) {
    assert.equal(c.image, "lhcb-platform/dirac:9.1.22");
    assert.equal(c.user, "65534:65534");
    assert.deepEqual(
      c.files!.map((f) => f.path),
      ["/opt/dirac/etc/dirac.cfg"],
    );
    // a DIRAC agent's cycle takes what it takes: no sample duration
    assert.equal(c.env!.AGENT_DURATION, undefined);
  }
  assert.deepEqual(loop.command, ["agent", "Transformation/TransformationAgent"]);
  assert.equal(loop.env!.AGENT_RUN, "loop");
  assert.equal(loop.env!.AGENT_SCHEDULE, undefined);
  assert.equal(cycle.env!.AGENT_RUN, "cycle");
  assert.equal(cycle.env!.AGENT_SCHEDULE, "0 * * * * *");
  // the loop agent's PollingTime, from the catalog's options
  assert.match(
    loop.files![0].content,
    /\n {2}Transformation\n {2}\{\n {4}Agents\n {4}\{\n {6}TransformationAgent\n {6}\{\n {8}PollingTime = 10\n {6}\}\n {4}\}\n {2}\}\n/,
  );
  assert.equal(cycle.files![0].content, loop.files![0].content);
});

test("at a site an agent reaches its own host's Consul agent through the host gateway over HTTPS, with its token and the CA from files", () => {
  const cert = loadPlatformFromStackFile(process.cwd(), "cert");
  const agent = cert.agents.find((x) => x.mode === "pulumi")!;
  const host = cert.hosts.find((h) => h.id === agent.hosts[0])!;
  const c = agentContainer(cert, agent, host);
  assert.equal(c.env!.CONSUL_HTTP_ADDR, "https://host.docker.internal:8501");
  assert.equal(c.env!.CONSUL_CACERT, "/etc/platform/consul-ca.pem");
  assert.deepEqual(c.extraHosts, { "host.docker.internal": "host-gateway" });
  assert.equal(c.env!.CONSUL_HTTP_TOKEN_FILE, "/etc/platform/consul-token");
  assert.deepEqual(c.files, [
    { path: "/etc/platform/consul-token", content: "@@secret:consulToken@@" },
    { path: "/etc/platform/consul-ca.pem", content: "@@secret:consulCaCert@@" },
  ]);
  assert.equal(c.hostNetwork, undefined);
  // Its engine maps the name onto the gateway of the container's bridge.
  assert.deepEqual(toContainerArgs(c, "cert-net").hosts, [
    { host: "host.docker.internal", ip: "host-gateway" },
  ]);
});

test("agents in marathon mode are not placed", () => {
  const cert = loadPlatformFromStackFile(process.cwd(), "cert");
  const byMode = (m: string) =>
    cert.agents.filter((a) => a.mode === m).map((a) => [a.key, a.hosts.length]);
  assert.deepEqual(byMode("pulumi"), [["framework-caupdateagent", 2]]);
  assert.equal(
    byMode("marathon").every(([, n]) => n === 0),
    true,
  );
  assert.equal(byMode("marathon").length, 9);
});
