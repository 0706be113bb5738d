// npm run bench:scale [-- --runs N] [--scales 1,10] [--no-preview]
// Runs the program under Pulumi mocks for a generated DIRAC-like catalog and inventory at the
// paper's size (138 services, 116 agents, 40 slaves, prod-like control plane) and at ten times
// that, each run in a fresh child process, and prints per scale the median and worst of: the
// placement, the declaration of the whole Platform until every resource is registered, the
// rendering of every file, and the peak memory. Then, where the Pulumi CLI and a Docker Engine
// are present, it times `pulumi preview` of a scratch copy of the local stack with the
// paper-scale catalog and inventory (nothing is started by a preview). docs/scale.md keeps the figures.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { engineMissing, paperScalePreview } from "./bench/engine";

const ROOT = resolve(__dirname, "..");

/** What one child process measures. Times in seconds; `Cpu` is CPU time (user + system) of the step. */
interface RunResult {
  scale: number;
  services: number;
  agents: number;
  slaves: number;
  instances: number;
  validateS: number;
  placeS: number;
  placeCpuS: number;
  resolveS: number;
  declareS: number;
  declareCpuS: number;
  resources: number;
  renderS: number;
  renderCpuS: number;
  files: number;
  renderedMiB: number;
  peakMiB: number;
}

const GOALS: Record<number, { seconds: number; mib: number }> = {
  1: { seconds: 3, mib: 400 },
  10: { seconds: 20, mib: 1536 },
};

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

/** One measurement, in this (fresh) process. */
async function child(scale: number): Promise<RunResult> {
  const pulumi = await import("@pulumi/pulumi");
  const { computedCallResult, computedState } = await import("./mock-provider-state");
  let resources = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources++;
        // what the providers compute and the platform reads back (a command's stdout: a generated password)
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args) } };
      },
      call: computedCallResult,
    },
    "lhcb-platform",
    "prod",
    false,
  );
  const { generatePlatform, paperScale } = await import("../components/core/catalog-generator");
  const { stackConfigFromEntries } = await import("../components/core/stack-config");
  const { parseCatalog } = await import("../components/core/catalog");
  const { resolvePlatform, AGENT_STANDBYS } = await import("../components/core/platform-spec");
  const { place } = await import("../components/core/placement");
  const { renderStack } = await import("../components/render");
  const { Platform } = await import("../components/platform");
  // @pulumi/pulumi's own wait for outstanding resource registrations (what `disconnect` awaits).
  const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as {
    waitForRPCs: () => Promise<void>;
  };

  const generated = generatePlatform(paperScale(scale));
  let t = performance.now();
  const config = stackConfigFromEntries(generated.entries, "Pulumi.prod.yaml");
  const catalog = parseCatalog(generated.catalog, "catalog/generated.yaml");
  const validateS = (performance.now() - t) / 1000;

  // The placement step of resolvePlatform, on its own (same hosts, same requests).
  const slaves = config.hosts.filter((h) => h.roles.includes("slave"));
  const requests = [
    ...catalog.services.filter((s) => (s.mode ?? config.mode) === "pulumi"),
    ...catalog.agents
      .filter((a) => (a.mode ?? config.mode) === "pulumi")
      .map((a) => ({ ...a, instances: Math.min(AGENT_STANDBYS, slaves.length) })),
  ];
  t = performance.now();
  let cpu = process.cpuUsage();
  place(slaves, requests);
  const placeS = (performance.now() - t) / 1000;
  const placeCpuS = cpuSeconds(cpu);

  t = performance.now();
  const spec = resolvePlatform(config, catalog, {
    stack: "prod",
    configFile: "Pulumi.prod.yaml",
    configPrefix: "config.lhcb-platform:",
  });
  const resolveS = (performance.now() - t) / 1000;

  t = performance.now();
  cpu = process.cpuUsage();
  new Platform("platform", {
    spec,
    secrets: {
      consulGossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
      grafanaAdminPassword: pulumi.secret("bench"),
    },
  });
  await settings.waitForRPCs();
  const declareS = (performance.now() - t) / 1000;
  const declareCpuS = cpuSeconds(cpu);

  t = performance.now();
  cpu = process.cpuUsage();
  const files = renderStack(spec);
  const renderS = (performance.now() - t) / 1000;
  const renderCpuS = cpuSeconds(cpu);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);

  return {
    scale,
    services: spec.services.length,
    agents: spec.agents.length,
    slaves: spec.slaves.length,
    instances: [...spec.services, ...spec.agents].reduce((n, e) => n + e.hosts.length, 0),
    validateS,
    placeS,
    placeCpuS,
    resolveS,
    declareS,
    declareCpuS,
    resources,
    renderS,
    renderCpuS,
    files: files.length,
    renderedMiB: bytes / 2 ** 20,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Runs one measurement in a fresh Node process (peak memory is that run's own), with the program's Node arguments (scripts/program-node.sh). */
function spawnRun(scale: number): RunResult {
  // A heap limit above the default, so the ten-times run finishes and reports its peak, whatever it is.
  const r = spawnSync(
    join(ROOT, "scripts", "program-node.sh"),
    ["--max-old-space-size=16384", __filename, "--child", String(scale)],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    },
  );
  if (r.status !== 0)
    throw new Error(
      `bench-scale: the run at scale ${scale} failed (exit ${r.status}):\n${r.stderr}`,
    );
  const line = r.stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as RunResult;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: "string" },
      runs: { type: "string", default: "3" },
      scales: { type: "string", default: "1,10" },
      "no-preview": { type: "boolean", default: false },
    },
  });
  if (values.child !== undefined) {
    console.log(JSON.stringify(await child(Number(values.child))));
    return;
  }
  const runs = Number(values.runs);
  const scales = values.scales!.split(",").map(Number);
  const log = (m: string) => console.log(`bench:scale: ${m}`);
  const results = new Map<number, RunResult[]>();
  for (const scale of scales) {
    const rs: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      log(`scale ${scale}, run ${i + 1} of ${runs}`);
      rs.push(spawnRun(scale));
    }
    results.set(scale, rs);
  }

  const s = (x: number) => x.toFixed(2);
  const rows = [
    [
      "scale",
      "services",
      "agents",
      "slaves",
      "instances",
      "resources",
      "figure",
      "median",
      "worst",
      "goal",
      "met",
    ],
  ];
  const verdicts: string[] = [];
  for (const [scale, rs] of results) {
    const first = rs[0];
    const goal = GOALS[scale];
    let firstRow = true;
    const figure = (
      name: string,
      pick: (r: RunResult) => number,
      unit: "s" | "MiB",
      limit?: number,
    ) => {
      const xs = rs.map(pick);
      const worst = Math.max(...xs);
      const fmt = (x: number) => (unit === "s" ? `${s(x)} s` : `${x.toFixed(0)} MiB`);
      const met = limit === undefined ? "" : worst <= limit ? "yes" : "NO";
      const lead = firstRow
        ? [
            String(scale),
            String(first.services),
            String(first.agents),
            String(first.slaves),
            String(first.instances),
            String(first.resources),
          ]
        : ["", "", "", "", "", ""];
      firstRow = false;
      rows.push([
        ...lead,
        name,
        fmt(median(xs)),
        fmt(worst),
        limit === undefined ? "" : `≤ ${fmt(limit)}`,
        met,
      ]);
      if (limit !== undefined)
        verdicts.push(
          `scale ${scale}: ${name} worst ${fmt(worst)} ${met === "yes" ? "meets" : "MISSES"} the goal ${fmt(limit)}`,
        );
    };
    figure("validate config+catalog", (r) => r.validateS, "s");
    figure("placement (place)", (r) => r.placeS, "s");
    figure("  cpu", (r) => r.placeCpuS, "s");
    figure("resolvePlatform", (r) => r.resolveS, "s");
    figure("declare (mocks)", (r) => r.declareS, "s", goal?.seconds);
    figure("  cpu", (r) => r.declareCpuS, "s");
    figure(
      `render (${first.files} files, ${first.renderedMiB.toFixed(1)} MiB)`,
      (r) => r.renderS,
      "s",
    );
    figure("  cpu", (r) => r.renderCpuS, "s");
    figure("peak RSS", (r) => r.peakMiB, "MiB", goal?.mib);
    figure(
      "total (validate..render)",
      (r) => r.validateS + r.resolveS + r.declareS + r.renderS,
      "s",
      goal?.seconds,
    );
  }
  console.log("");
  console.log(table(rows));
  console.log("");
  for (const v of verdicts) console.log(v);

  if (values["no-preview"]) return;
  console.log("");
  log("pulumi preview of a scratch local stack with the paper-scale catalog and inventory");
  const missing = engineMissing();
  if (missing) {
    console.log(`pulumi preview: skipped: ${missing}`);
    return;
  }
  const p = await paperScalePreview(1, 0, log);
  const mock = results.get(1);
  console.log(
    `pulumi preview (scale 1, local stack config, ${p.resources} resources): ${s(p.seconds[0])} s` +
      (mock
        ? `   beside the mocks at scale 1: declare ${s(median(mock.map((r) => r.declareS)))} s (median), ${mock[0].resources} resources`
        : ""),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
