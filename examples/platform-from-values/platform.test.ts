// The site's platform under Pulumi's mocks: every part declared, counted from the site's own values.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";

const declared: { type: string; name: string }[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      declared.push({ type: a.type, name: a.name });
      return { id: `${a.name}-id`, state: a.inputs };
    },
    call: (a) => a.inputs,
  },
  "platform-from-values",
  "example",
  false,
);

test("the site's platform: every container and registration its values call for", async () => {
  const { sitePlatform } = await import("./platform");
  const { catalog, config } = await import("./site");
  const platform = sitePlatform("example");
  await platform.declared;
  for (let seen = -1; seen !== declared.length;) {
    seen = declared.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  const count = (type: string) => declared.filter((r) => r.type === type).length;
  const masters = config.hosts.filter((h) => h.roles.includes("master")).length;
  const others = config.hosts.length - masters;
  const slaves = config.hosts.filter((h) => h.roles.includes("slave")).length;
  const lbs = config.hosts.filter((h) => h.roles.includes("lb")).length;
  const instances = (catalog.services ?? []).reduce((n, s) => n + (s.instances ?? 1), 0);
  const agents = (catalog.agents ?? []).length * Math.min(2, slaves);
  // ZooKeeper and a Consul server per master, a Consul agent on every other host, consul-esm on two
  // masters, the instances, each agent and its standby, an HAProxy per load balancer.
  assert.equal(
    count("docker:index/container:Container"),
    2 * masters + others + 2 + instances + agents + lbs,
  );
  assert.equal(count("consul:index/service:Service"), instances);
  assert.equal(count("consul:index/node:Node"), slaves);
  assert.equal(count("docker:index/network:Network"), 1);
  assert.deepEqual(Object.keys(platform.services.registrations).sort(), [
    "configuration-server/s1",
    "configuration-server/s2",
    "framework-systemadministrator/s1",
    "framework-systemadministrator/s2",
  ]);
});

test("a bad value stops before anything is declared, naming the site's file and the path", async () => {
  const { platformFromValues, PlatformInputError } = await import("lhcb-platform");
  const { catalog, config } = await import("./site");
  const before = declared.length;
  assert.throws(
    () =>
      platformFromValues({
        stack: "example",
        config: {
          ...config,
          hosts: config.hosts.map((h, i) => (i === 0 ? { ...h, cpus: -1 } : h)),
        },
        catalog,
        sources: { config: "site.ts (config)" },
      }),
    (e: unknown) =>
      e instanceof PlatformInputError && /^site\.ts \(config\): hosts\[0\]\.cpus: /.test(e.message),
  );
  assert.equal(declared.length, before);
});
