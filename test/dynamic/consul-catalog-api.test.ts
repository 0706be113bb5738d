// Consul catalog request bodies (exact JSON), the catalog diff, and the calls against a local fake Consul.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { test } from "node:test";
import { catalogGet, catalogNodeRegisterBody, catalogPut, catalogServiceRegisterBody, consulEndpoint } from "../../components/dynamic/consul-catalog-api";
import { catalogDiff } from "../../components/dynamic/consul-resources";

const service = {
  consulAddress: "http://consul:8500",
  datacenter: "dc1",
  node: "lhcb-local-slave-1",
  nodeAddress: "10.1.0.11",
  serviceId: "lhcb-local-svc-slave-1",
  name: "svc",
  address: "10.1.0.11",
  port: 8080,
  tags: ["local", "http"],
  meta: { stack: "local" },
  checks: [
    { checkId: "lhcb-local-svc-slave-1:health", name: "svc HTTP check", http: "http://10.1.0.11:8080/health", interval: "5s", timeout: "2s", deregisterCriticalServiceAfter: "30m" },
    { checkId: "tcp", name: "svc TCP check", tcp: "10.1.0.11:8080", interval: "10s", timeout: "1s", deregisterCriticalServiceAfter: "1h", status: "passing" as const },
  ],
};

test("node registration body", () => {
  assert.deepEqual(catalogNodeRegisterBody({ consulAddress: "http://c:8500", datacenter: "dc1", node: "n1", address: "10.0.0.1", meta: { "external-node": "true", "external-probe": "false" } }), {
    Datacenter: "dc1",
    Node: "n1",
    Address: "10.0.0.1",
    NodeMeta: { "external-node": "true", "external-probe": "false" },
  });
});

test("service registration body: checks critical unless overridden, node left alone", () => {
  assert.deepEqual(catalogServiceRegisterBody(service), {
    Datacenter: "dc1",
    Node: "lhcb-local-slave-1",
    Address: "10.1.0.11",
    SkipNodeUpdate: true,
    Service: { ID: "lhcb-local-svc-slave-1", Service: "svc", Address: "10.1.0.11", Port: 8080, Tags: ["local", "http"], Meta: { stack: "local" } },
    Checks: [
      {
        Node: "lhcb-local-slave-1",
        CheckID: "lhcb-local-svc-slave-1:health",
        Name: "svc HTTP check",
        ServiceID: "lhcb-local-svc-slave-1",
        Status: "critical",
        Definition: { HTTP: "http://10.1.0.11:8080/health", Interval: "5s", Timeout: "2s", DeregisterCriticalServiceAfter: "30m" },
      },
      {
        Node: "lhcb-local-slave-1",
        CheckID: "tcp",
        Name: "svc TCP check",
        ServiceID: "lhcb-local-svc-slave-1",
        Status: "passing",
        Definition: { TCP: "10.1.0.11:8080", Interval: "10s", Timeout: "1s", DeregisterCriticalServiceAfter: "1h" },
      },
    ],
  });
});

test("diff: identity changes replace, others update in place, key order ignored", () => {
  const ids = ["consulAddress", "datacenter", "node", "serviceId"];
  const all = [...ids, "port", "meta"];
  assert.deepEqual(catalogDiff(ids, all, { ...service }, { ...service, meta: { stack: "local" } }), { changes: false, replaces: [], deleteBeforeReplace: true });
  assert.deepEqual(catalogDiff(ids, all, { ...service }, { ...service, port: 9090 }), { changes: true, replaces: [], deleteBeforeReplace: true });
  assert.deepEqual(catalogDiff(ids, all, { ...service }, { ...service, node: "other", port: 9090 }), { changes: true, replaces: ["node"], deleteBeforeReplace: true });
});

test("consulEndpoint and the calls against a fake Consul", async () => {
  assert.deepEqual(consulEndpoint("http://127.0.0.1:8500"), { host: "127.0.0.1", port: 8500 });
  assert.throws(() => consulEndpoint("https://c:8501"), /only http/);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${req.headers["content-type"] ?? ""} ${body}`);
      if (req.url === "/v1/catalog/register") res.end("true");
      else if (req.url === "/v1/catalog/deregister") {
        res.statusCode = 500;
        res.end("Unknown node");
      } else if (req.url?.startsWith("/v1/catalog/node/n1")) res.end('{"Node":{"Node":"n1"}}');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await catalogPut(address, "/v1/catalog/register", { Node: "n1" });
    await assert.rejects(catalogPut(address, "/v1/catalog/deregister", { Node: "n1" }), /HTTP 500: Unknown node/);
    assert.deepEqual(await catalogGet(address, "/v1/catalog/node/n1?dc=dc1"), { status: 200, value: { Node: { Node: "n1" } } });
    assert.deepEqual(await catalogGet(address, "/v1/catalog/other"), { status: 404, value: undefined });
    assert.equal(seen[0], 'PUT /v1/catalog/register application/json {"Node":"n1"}');
  } finally {
    server.close();
  }
});
