// The source positions of resources, taken from V8's call sites (components/core/source-positions.ts):
// a resource declared from the same line carries to the resource monitor the same source position
// and stack trace, frame for frame, as with @pulumi/pulumi's own functions, under the program's
// loader with and without Node's source maps, and under tsx; where another function formats stack
// traces, the SDK's own functions run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type { ProbeReport } from "../support/source-position-probe";

const ROOT = join(__dirname, "..", "..");
const PROBE = join(ROOT, "test", "support", "source-position-probe.ts");

/** The line and column of the probe's `new docker.Network`, counted from 1 as the SDK counts them. */
function declarationPosition(): { uri: string; line: number; column: number } {
  const lines = readFileSync(PROBE, "utf8").split("\n");
  const index = lines.findIndex((l) => l.includes("// the probe's declaration"));
  assert.ok(index >= 0, "the probe marks its declaration");
  const column = lines[index]!.indexOf("new docker.Network");
  return { uri: pathToFileURL(PROBE).toString(), line: index + 1, column: column + 1 };
}

function runProbe(nodeArgs: string[], ...probeArgs: string[]): ProbeReport {
  const r = spawnSync(process.execPath, [...nodeArgs, PROBE, ...probeArgs], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ProbeReport;
}

const LOADER = ["--require", "./scripts/program-loader.cjs"];

interface Frame {
  pc?: { uri: string; line: number; column: number };
}

function framesOf(registration: ProbeReport["registrations"][number]): Frame[] {
  return (registration.trace as { framesList: Frame[] }).framesList;
}

/** The SDK's registration and the cheaper one, checked to be the same, frame for frame. */
function sameAsSdk(report: ProbeReport): ProbeReport["registrations"][number] {
  assert.deepEqual(
    report.registrations.map((r) => r.name),
    ["sdk", "cheaper"],
  );
  const [sdk, cheaper] = report.registrations;
  assert.deepEqual(cheaper!.position, sdk!.position);
  assert.deepEqual(cheaper!.trace, sdk!.trace);
  return cheaper!;
}

test("under the program's loader, a resource's source position and stack trace are the SDK's, frame for frame, through TypeScript, zod's JavaScript, native and async frames", () => {
  const report = runProbe(LOADER);
  assert.deepEqual(
    { installed: report.installed, formatsOwnTraces: report.formatsOwnTraces },
    { installed: true, formatsOwnTraces: false },
  );
  const cheaper = sameAsSdk(report);
  const expected = declarationPosition();
  assert.deepEqual(cheaper.position, expected);
  const frames = framesOf(cheaper);
  assert.deepEqual(frames[0], { pc: expected });
  assert.ok(
    frames.some((f) => f.pc?.uri.includes("/node_modules/zod/")),
    "a frame in zod",
  );
  assert.ok(
    frames.some((f) => f.pc === undefined),
    "a frame without a position (Array.map)",
  );
});

test("under the language host's runner, which loads source-map-support's `register`, the program's loader keeps Node's stack traces: the positions are the SDK's, on the TypeScript's lines", () => {
  const report = runProbe(LOADER, "runner-register");
  assert.deepEqual(
    { installed: report.installed, formatsOwnTraces: report.formatsOwnTraces },
    { installed: true, formatsOwnTraces: false },
  );
  assert.deepEqual(sameAsSdk(report).position, declarationPosition());
});

test("under tsx, source-map-support's `register` formats the stack traces itself: the SDK's own functions run", () => {
  const report = runProbe(["--import", "tsx"], "runner-register");
  assert.deepEqual(
    { installed: report.installed, formatsOwnTraces: report.formatsOwnTraces },
    { installed: true, formatsOwnTraces: true },
  );
  sameAsSdk(report);
});

test("with Node's source maps off, the positions are the SDK's: the compiled JavaScript's, in the TypeScript file", () => {
  const cheaper = sameAsSdk(runProbe(LOADER, "no-source-maps"));
  const expected = declarationPosition();
  const position = cheaper.position as { uri: string; line: number };
  assert.equal(position.uri, expected.uri);
  assert.notEqual(position.line, expected.line);
});

test("under tsx, the same: the positions are the SDK's, mapped to the TypeScript", () => {
  const report = runProbe(["--import", "tsx"]);
  assert.deepEqual(
    { installed: report.installed, formatsOwnTraces: report.formatsOwnTraces },
    { installed: true, formatsOwnTraces: false },
  );
  assert.deepEqual(sameAsSdk(report).position, declarationPosition());
});

test("where stack traces are formatted by a function of another (source-map-support's under ts-node), the SDK's own functions run: its unmapped positions, not the TypeScript's", () => {
  const report = runProbe(LOADER, "own-format");
  assert.deepEqual(
    { installed: report.installed, formatsOwnTraces: report.formatsOwnTraces },
    { installed: true, formatsOwnTraces: true },
  );
  const position = sameAsSdk(report).position as { uri: string; line: number };
  assert.equal(position.uri, declarationPosition().uri);
  assert.notEqual(position.line, declarationPosition().line);
});
