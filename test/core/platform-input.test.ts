// The entry point from plain values: the same platform as from the stack file, and messages that
// name the caller's own sources.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { platformFromValues } from "../../components/platform-values";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { parse } from "yaml";
import { localValues, problemsOf } from "../support/local-values";
import { PROD_CATALOG, prodHosts } from "../support/prod-input";

const ROOT = join(__dirname, "..", "..");

test("from plain values, the same platform as from the local stack file and its catalog file", () => {
  const { config, catalog } = localValues();
  const fromValues = platformFromValues({ stack: "local", config, catalog });
  const fromFile = loadPlatformFromStackFile(ROOT, "local");
  // The same in all but where messages say the catalog came from.
  assert.equal(fromValues.catalogFile, "catalog");
  assert.equal(fromFile.catalogFile, "catalog/local.yaml");
  assert.deepEqual({ ...fromValues, catalogFile: "" }, { ...fromFile, catalogFile: "" });
  assert.equal(fromValues.services.length, 5);
});

test("every problem of both values, each naming the caller's source and the path inside it, before anything is declared", () => {
  const { config, catalog } = localValues();
  const hosts = config.hosts.map((h, i) => (i === 1 ? { ...h, cpus: -1 } : h));
  const services = (catalog.services ?? []).map((s, i, all) =>
    i === 1 ? { ...s, port: all[0].port } : s,
  );
  const problems = problemsOf(() =>
    platformFromValues({
      stack: "local",
      config: { ...config, hosts },
      catalog: { ...catalog, services },
      sources: { config: "site.ts", catalog: "services.json" },
    }),
  );
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^site\.ts: hosts\[1\]\.cpus: /);
  assert.match(problems[1], /^services\.json: services\[1\]\.port: a port no other service uses/);
  const catalogProblems = problemsOf(() =>
    platformFromValues({
      stack: "local",
      config,
      catalog: { ...catalog, services },
      sources: { catalog: "services.json" },
    }),
  );
  assert.deepEqual(
    catalogProblems.map((p) => p.replace(/: a port.*/, "")),
    ["services.json: services[1].port"],
  );
  assert.deepEqual(
    problemsOf(() =>
      platformFromValues({
        stack: "local",
        config: { ...config, catalog: "x.yaml" } as typeof config,
        catalog,
      }),
    ),
    ["config: catalog: no catalog path: the catalog is given as a value (PlatformValues.catalog)"],
  );
});

test("the plan's checks, as a stack file's: an entry named like a platform part, a service on a part's port", () => {
  const catalog = parse(PROD_CATALOG) as { services: { name: string; port: number }[] };
  const [first, ...rest] = catalog.services;
  const problems = problemsOf(() =>
    platformFromValues({
      stack: "prod",
      config: {
        hosts: prodHosts(),
        features: { mesos: true },
        adminNetworks: ["192.0.2.10"],
      } as never,
      catalog: {
        ...catalog,
        // Consul's HTTPS API port on every host, and the Consul agents' container name on a slave.
        services: [
          { ...first, port: 8501 },
          ...rest,
          { ...first, name: "Consul/Agent", port: 9999 },
        ],
      } as never,
      sources: { config: "site.ts", catalog: "services.json" },
    }),
  );
  assert.deepEqual(
    problems.filter((p) => p.startsWith("services.json: ")),
    [
      `services.json: services[${rest.length + 1}].name: a name whose containers no other container of the stack has: prod-consul-agent-s1 would also be the platform's consul-agent`,
    ],
  );
  assert.ok(
    problems.some((p) => /^site\.ts: hosts\[\d+\]: .*8501/.test(p)),
    problems.join("\n"),
  );
});
