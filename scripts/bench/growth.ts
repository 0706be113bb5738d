// 7. How cost grows: the local platform with its catalog's services 1, 4 and 16 times over (copies
// under new names and ports, as many instances each), on the same three slaves made large enough
// for 16 times (names on the local Engine, as in the local stack). Per factor, through the CLI as
// an operator runs it (CliStack): `pulumi up` from nothing until every instance passes in Consul,
// the idle cost, a release (a new service image for every instance) until every instance passes
// again, and the destroy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIGURATION_SERVER } from "../../components/core/dirac-checks";
import { PROJECT_ROOT } from "../engine-stack";
import { buildReleaseImage } from "../release";
import { timed, withCatalogStack } from "./engine";
import { IdleSample, measureIdle, totalCores, totalMiB } from "./idle";
import { idleReport } from "./idle-report";
import { platformOf } from "./platform";
import { waitServing } from "./stack";

export const GROWTH_FACTORS = [1, 4, 16];

/** The slaves of every factor: the local stack's three, each with room for 16 times its catalog. */
const SLAVE_SIZE = { cpus: 8, memoryMb: 16384 };

/** One factor's figures. */
export interface GrowthRow {
  factor: number;
  instances: number;
  containers: number;
  /** `pulumi up` from nothing until every instance passes in Consul. */
  upS: number;
  idleCores: number;
  idleMiB: number;
  /** One instance: its container's CPU and its share of the balancers' checks (idle-report.ts). */
  perInstanceMsPerS: number;
  /** One instance container's memory (the median of all). */
  perInstanceMiB: number;
  /** The release's `pulumi up` until every instance passes again. */
  releaseS: number;
  destroyS: number;
}

interface CatalogService {
  name: string;
  port: number;
  image?: string;
  options?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * DIRAC's handler of each DIRAC service of the local catalog that is copied: a copy runs it under
 * another name (its `HandlerPath` option). The Configuration Server is not copied: an installation
 * has one.
 */
const DIRAC_HANDLERS: Record<string, string> = {
  "DataManagement/StorageElement": "DIRAC/DataManagementSystem/Service/StorageElementHandler.py",
};

/** Copy k (from 2) of `s`: named `<name>k`, on port + 1000 (k - 1); a DIRAC service's with its handler named. */
function copyOf(s: CatalogService, k: number): CatalogService {
  const copy = { ...s, name: `${s.name}${k}`, port: s.port + 1000 * (k - 1) };
  if (s.image !== undefined) return copy;
  const handler = DIRAC_HANDLERS[s.name];
  if (handler === undefined) throw new Error(`no DIRAC handler known for copies of ${s.name}`);
  return { ...copy, options: { ...s.options, HandlerPath: handler } };
}

/**
 * The local catalog with each service `factor` times (copyOf), but the Configuration Server, which
 * stays one entry.
 */
export function multipliedCatalog(factor: number): Record<string, unknown> {
  const catalog = parse(readFileSync(join(PROJECT_ROOT, "catalog", "local.yaml"), "utf8")) as {
    services: CatalogService[];
  };
  const services = catalog.services.flatMap((s) =>
    s.name === CONFIGURATION_SERVER
      ? [s]
      : Array.from({ length: factor }, (_, k) => (k === 0 ? s : copyOf(s, k + 1))),
  );
  return { ...catalog, services };
}

/** The local stack's hosts with the slaves sized by SLAVE_SIZE. */
function growthHosts(): Record<string, unknown>[] {
  const file = parse(readFileSync(join(PROJECT_ROOT, "Pulumi.local.yaml"), "utf8")) as {
    config: Record<string, Record<string, unknown>[]>;
  };
  return file.config["lhcb-platform:hosts"].map((h) =>
    (h.roles as string[]).includes("slave") ? { ...h, ...SLAVE_SIZE } : h,
  );
}

/** Brings up the platform at `factor`, measures it, releases it onto `releaseTag`, destroys it. */
export async function growthRow(
  factor: number,
  idleSeconds: number,
  releaseTag: string,
  log: (m: string) => void,
): Promise<GrowthRow> {
  return withCatalogStack(
    `gr${factor}x${process.pid % 1000}`,
    multipliedCatalog(factor),
    growthHosts(),
    log,
    async (stack) => {
      const [, upS] = await timed(async () => {
        await stack.up();
        await waitServing(platformOf(stack.name), 600);
      });
      const platform = platformOf(stack.name);
      const instances = Object.values(platform.instances).flat().length;
      log(
        `${factor}x: ${instances} instances serving ${upS.toFixed(1)} s after \`pulumi up\` began`,
      );
      // Settle first: the start-up is not idle.
      await new Promise((r) => setTimeout(r, 10_000));
      const idle: IdleSample = await measureIdle(stack.name, idleSeconds);
      const report = idleReport([idle]);
      const instanceMiB = idle.containers
        .filter((c) => c.component === "service")
        .map((c) => c.memoryMiB)
        .sort((a, b) => a - b);
      const image = buildReleaseImage(releaseTag);
      const [, releaseS] = await timed(async () => {
        await stack.pulumi([
          "config",
          "set",
          "--stack",
          stack.name,
          "--path",
          "lhcb-platform:images.service",
          image,
        ]);
        await stack.up();
        await waitServing(platformOf(stack.name), 600);
      });
      log(
        `${factor}x: idle ${totalCores(idle).toFixed(3)} cores, ${totalMiB(idle).toFixed(0)} MiB; released onto ${image} in ${releaseS.toFixed(1)} s`,
      );
      const [, destroyS] = await timed(() => stack.destroy());
      return {
        factor,
        instances,
        containers: idle.containers.length,
        upS,
        idleCores: totalCores(idle),
        idleMiB: totalMiB(idle),
        perInstanceMsPerS: report.perInstanceMedian * 1000,
        perInstanceMiB: instanceMiB[Math.floor(instanceMiB.length / 2)] ?? 0,
        releaseS,
        destroyS,
      };
    },
  );
}

/** The rows as a table, with per-instance growth beside the 1x row's. */
export function growthTable(rows: GrowthRow[]): string {
  const base = rows[0];
  const header = [
    "factor",
    "instances",
    "containers",
    "up",
    "idle cores",
    "idle MiB",
    "instance CPU",
    "instance MiB",
    "release",
    "destroy",
  ];
  const body = rows.map((r) => [
    `${r.factor}x`,
    String(r.instances),
    String(r.containers),
    `${r.upS.toFixed(1)} s`,
    r.idleCores.toFixed(3),
    r.idleMiB.toFixed(0),
    `${r.perInstanceMsPerS.toFixed(1)} ms/s`,
    r.perInstanceMiB.toFixed(1),
    `${r.releaseS.toFixed(1)} s`,
    `${r.destroyS.toFixed(1)} s`,
  ]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const lines = all.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
  if (base)
    lines.push(
      `(idle cores grow by ${
        rows
          .map(
            (r) =>
              ((r.idleCores - base.idleCores) / Math.max(1, r.instances - base.instances)) * 1000,
          )
          .slice(1)
          .map((x) => `${x.toFixed(1)} ms/s`)
          .join(", ") || "-"
      } per added instance)`,
    );
  return lines.join("\n");
}
