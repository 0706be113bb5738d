import assert from "node:assert/strict";
import { test } from "node:test";
import { agentContainer, agentLockKey } from "../../components/agents/agent-containers";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { toContainerArgs } from "../../components/hosts/container-args";

const local = loadPlatformFromStackFile(process.cwd(), "local");

test("an agent runs on two slaves, both guarded by the same Consul lock", () => {
  const agent = local.agents[0];
  assert.equal(agent.name, "Transformation/TransformationAgent");
  assert.equal(agent.hosts.length, 2);
  const [a, b] = agent.hosts.map((id) =>
    agentContainer(
      local,
      agent,
      local.hosts.find((h) => h.id === id)!,
    ),
  );
  assert.equal(a.env!.AGENT_LOCK_KEY, "platform/local/agents/transformation-transformationagent");
  assert.equal(b.env!.AGENT_LOCK_KEY, a.env!.AGENT_LOCK_KEY);
  assert.equal(agentLockKey(local, agent), a.env!.AGENT_LOCK_KEY);
  assert.deepEqual(a.command, ["agent", "Transformation/TransformationAgent"]);
  assert.equal(a.env!.AGENT_SCHEDULE, "*/10 * * * * *");
  assert.equal(a.env!.AGENT_DURATION, "25");
  assert.equal(a.env!.CONSUL_HTTP_ADDR, `http://local-consul-agent-${agent.hosts[0]}:8500`);
  assert.equal(a.restart, "always");
  assert.equal(a.labels!["platform.component"], "agent");
  // The local stack's Consul is open: no token, no file.
  assert.equal(a.env!.CONSUL_HTTP_TOKEN_FILE, undefined);
  assert.equal(a.files, undefined);
  assert.equal(a.extraHosts, undefined);
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
