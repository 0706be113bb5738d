// cAdvisor as the platform starts it, against the version cert and prod name
// (upstream/cadvisor.json, extracted by scripts/upstream/extract.ts from google/cadvisor and the
// klog it links): Go's flag package stops the program at the first flag it does not know, and
// `-disable_metrics` at the first metric name it does not know.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { agentContainer } from "../../components/agents/agent-containers";
import { chronosJob } from "../../components/chronos/chronos-job";
import { marathonApp } from "../../components/marathon/marathon-app";
import { DOCKER_API_SOCKET } from "../../components/hosts/docker-api-proxy";
import { cadvisorContainer } from "../../components/metrics/cadvisor";
import { stackDashboards } from "../../components/metrics/grafana-dashboards";
import { serviceInstance } from "../../components/services/service-containers";
import { GoFlag } from "../../scripts/upstream/go-flags";
import { assertImageIs, GO_DURATION, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<{
  image: string;
  entrypoint: string[];
  flags: GoFlag[];
  metrics: string[];
  influxdb: {
    measurements: string[];
    valueField: string;
    tags: string[];
    storageAddsLabels: boolean;
    managerGives: string[];
    labelsBecomeTags: boolean;
  };
}>("cadvisor");

/** The measurements, fields and tag keys an InfluxQL query of a dashboard reads. */
function readsOf(query: string): { measurements: string[]; fields: string[]; tags: string[] } {
  const measurements = [...query.matchAll(/FROM "([^"]+)"/g)].map((m) => m[1]);
  const fields = [...query.matchAll(/(?:mean|last|count)\("([^"]+)"\)/g)].map((m) => m[1]);
  const conditions = [...query.matchAll(/"([^"]+)" (?:=~|=) /g)].map((m) => m[1]);
  const groups = [...query.matchAll(/GROUP BY ([^)]*?)(?: fill|\)|$)/g)].flatMap((m) =>
    [...m[1].matchAll(/"([^"]+)"/g)].map((g) => g[1]),
  );
  return { measurements, fields, tags: [...new Set([...conditions, ...groups])] };
}

/** Whether `value` parses as a flag of `kind` (Go's flag package; `Var` flags are checked apart). */
function parses(kind: string, value: string): boolean {
  switch (kind) {
    case "Bool":
      return /^(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False)$/.test(value);
    case "Int":
    case "Int64":
      return /^-?\d+$/.test(value);
    case "Uint":
    case "Uint64":
      return /^\d+$/.test(value);
    case "Float64":
      return /^-?\d+(\.\d+)?$/.test(value);
    case "Duration":
      return GO_DURATION.test(value);
    case "String":
      return true;
    default:
      return false;
  }
}

test("the facts: cAdvisor v0.47.2 with klog's flags, and the metric names it accepts", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.cadvisor);
  assert.deepEqual(facts.entrypoint, ["/usr/bin/cadvisor", "-logtostderr"]);
  const names = facts.flags.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, "a flag defined twice would stop the binary");
  for (const n of ["storage_driver", "docker_only", "disable_metrics", "logtostderr", "v"])
    assert.ok(names.includes(n), n);
  assert.deepEqual(facts.influxdb.tags, ["container_name", "machine"]);
  assert.equal(facts.influxdb.valueField, "value");
  // The storage would add a container's labels, but the manager hands it the reference only.
  assert.equal(facts.influxdb.storageAddsLabels, true);
  assert.deepEqual(facts.influxdb.managerGives, ["ContainerReference"]);
  assert.equal(facts.influxdb.labelsBecomeTags, false);
  assert.equal(facts.influxdb.measurements.length, 28);
  assert.equal(facts.flags.find((f) => f.name === "store_container_labels")?.default, "true");
});

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the cAdvisor image is the version the facts come from`, () => {
    assertImageIs(spec.images.cadvisor, facts.image);
  });

  test(`${stack}: every flag cAdvisor gets is one it has, once, with a value it parses`, () => {
    const flags = new Map(facts.flags.map((f) => [f.name, f]));
    for (const host of spec.slaves) {
      const c = cadvisorContainer(spec, host);
      // The image's program and first flag, by name on the PATH, once the proxy's socket is there.
      const [shell, dashC, script, name0] = c.entrypoint!;
      assert.deepEqual([shell, dashC, name0], ["/bin/sh", "-c", "cadvisor"]);
      const program = facts.entrypoint[0].split("/").pop();
      assert.ok(
        script.endsWith(`; exec ${program} ${facts.entrypoint.slice(1).join(" ")} "$@"`),
        script,
      );
      assert.ok(c.command!.includes(`-docker=unix://${DOCKER_API_SOCKET}`));
      const given = new Set<string>();
      for (const arg of c.command ?? []) {
        const m = /^--?([\w-]+)(?:=(.*))?$/.exec(arg);
        assert.ok(m, `${arg}: not a flag`);
        const [, name, value] = m;
        const flag = flags.get(name);
        assert.ok(flag, `-${name}: cAdvisor v0.47.2 has no such flag and would not start`);
        assert.ok(!given.has(name), `-${name} given twice`);
        given.add(name);
        assert.ok(value !== undefined || flag.kind === "Bool", `-${name}: needs a value`);
        if (name === "disable_metrics" || name === "enable_metrics")
          for (const metric of value!.split(","))
            assert.ok(facts.metrics.includes(metric), `-${name}: no metric "${metric}"`);
        else if (value !== undefined)
          assert.ok(parses(flag.kind, value), `-${name}=${value}: not a ${flag.kind}`);
      }
      // No storage driver: its own InfluxDB storage would tag points with names only.
      assert.ok(![...given].some((n) => n.startsWith("storage_driver")));
    }
  });

  test(`${stack}: each dashboard reads measurements cAdvisor v0.47.2 writes, by the tags it gives them, for every entry whoever places it`, () => {
    const args = cadvisorContainer(spec, spec.slaves[0]).command ?? [];
    // A container's labels are its points' tags unless cAdvisor is told to keep fewer.
    assert.ok(
      !args.some((a) => /^--?(store_container_labels|whitelisted_container_labels)/.test(a)),
    );
    const tags = new Set([...facts.influxdb.tags, "platform.stack", "platform.service"]);
    const dashboards = stackDashboards(spec);
    assert.equal(dashboards.length, 1 + spec.services.length + spec.agents.length);
    for (const d of dashboards) {
      const doc = JSON.parse(d.content) as { panels: { targets: { query: string }[] }[] };
      for (const t of doc.panels.flatMap((p) => p.targets)) {
        const reads = readsOf(t.query);
        assert.ok(reads.measurements.length > 0, t.query);
        for (const m of reads.measurements)
          assert.ok(facts.influxdb.measurements.includes(m), `${d.file}: no measurement ${m}`);
        for (const f of reads.fields) assert.equal(f, facts.influxdb.valueField, d.file);
        for (const tag of reads.tags) assert.ok(tags.has(tag), `${d.file}: no tag ${tag}`);
        if (d.file !== "hosts-overview.json")
          assert.ok(reads.tags.includes("platform.service"), `${d.file}: ${t.query}`);
      }
    }
    // The labels the dashboards select by are on every container of an entry: those Pulumi
    // declares, and those Mesos starts for Marathon and Chronos (`docker run --label`).
    const selected = (labels: Record<string, string>) =>
      ["platform.stack", "platform.service"].map((k) => `${k}=${labels[k]}`);
    const hostOf = (id: string) => spec.hosts.find((h) => h.id === id)!;
    for (const svc of spec.services) {
      const expected = [`platform.stack=${stack}`, `platform.service=${svc.key}`];
      if (svc.mode === "marathon")
        assert.deepEqual(
          marathonApp(spec, svc).container.docker.parameters.map((p) => p.value),
          expected,
        );
      for (const h of svc.hosts)
        assert.deepEqual(
          selected(serviceInstance(spec, svc, hostOf(h)).container.labels!),
          expected,
        );
    }
    for (const agent of spec.agents) {
      const expected = [`platform.stack=${stack}`, `platform.service=${agent.key}`];
      if (agent.mode === "marathon")
        assert.deepEqual(
          chronosJob(spec, agent, { from: new Date(0) }).container.parameters.map((p) => p.value),
          expected,
        );
      for (const h of agent.hosts)
        assert.deepEqual(selected(agentContainer(spec, agent, hostOf(h)).labels!), expected);
    }
    assert.ok(spec.services.some((s) => s.mode === "marathon") && spec.agents.length > 0);
  });
}
