// The SDK runtime's per-resource debug trace (components/core/sdk-debug-messages.ts): a program run
// against a stand-in engine (a gRPC Engine service that records every Log request), once it has
// paused stack traces as a component's first declaration does, sends the engine its own debug and
// info messages but not the trace of the resource it registers; the SDK's own function, or
// `PLATFORM_SDK_DEBUG=1`, sends the trace as well. And every debug message of the installed SDK's
// runtime begins as `SDK_RUNTIME_TRACE` expects.
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import { SDK_RUNTIME_TRACE } from "../../components/core/sdk-debug-messages";
import type { SdkDebugProbeReport } from "../support/sdk-debug-probe";

const ROOT = join(__dirname, "..", "..");
const PROBE = join(ROOT, "test", "support", "sdk-debug-probe.ts");
const SEVERITY = ["debug", "info", "warning", "error"];

interface Logged {
  severity: string;
  message: string;
}

/** Runs the probe against a stand-in engine; resolves with its report and what the engine was sent. */
async function runProbe(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ report: SdkDebugProbeReport; logged: Logged[] }> {
  const logged: Logged[] = [];
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log: (
      call: grpc.ServerUnaryCall<enginePb.LogRequest, unknown>,
      done: grpc.sendUnaryData<unknown>,
    ) => {
      logged.push({
        severity: SEVERITY[call.request.getSeverity()]!,
        message: call.request.getMessage(),
      });
      done(null, new Empty());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--require", "./scripts/program-loader.cjs", PROBE, ...args],
      { cwd: ROOT, env: { ...process.env, ...env, PULUMI_NODEJS_ENGINE: `127.0.0.1:${port}` } },
    );
    const report = JSON.parse(stdout.trim().split("\n").pop()!) as SdkDebugProbeReport;
    return { report, logged };
  } finally {
    server.forceShutdown();
  }
}

const OWN: Logged[] = [
  { severity: "debug", message: "the program's own debug message" },
  { severity: "info", message: "the program's own info message" },
];

/** The SDK's trace of the probe's Network, then the program's own two messages. */
function assertSdkTraceThenOwn(logged: Logged[]): void {
  const network = "t=docker:index/network:Network, name=probe-net";
  assert.deepEqual(logged.slice(0, 2), [
    { severity: "debug", message: `Registering resource: ${network}, custom=true, remote=false` },
    { severity: "debug", message: `RegisterResource RPC prepared: ${network}` },
  ]);
  assert.equal(logged[2]!.severity, "debug");
  assert.match(
    logged[2]!.message,
    /^RegisterResource RPC finished: resource:probe-net\[docker:index\/network:Network\]; err: null, resp: /,
  );
  assert.deepEqual(logged.slice(3), OWN);
}

test("with the SDK's own function, the engine is sent the runtime's trace of each resource besides the program's messages", async () => {
  const { report, logged } = await runProbe({}, "sdk");
  assert.deepEqual(report, { installed: false });
  assertSdkTraceThenOwn(logged);
});

test("once stack traces are paused as a component's first declaration pauses them, the engine is sent the program's own debug and info messages and nothing of the runtime's trace", async () => {
  const { report, logged } = await runProbe({ PLATFORM_SDK_DEBUG: "" });
  assert.deepEqual(report, { installed: true });
  assert.deepEqual(logged, OWN);
});

test("PLATFORM_SDK_DEBUG=1 leaves the SDK's function in place: the trace reaches the engine", async () => {
  const { report, logged } = await runProbe({ PLATFORM_SDK_DEBUG: "1" });
  assert.deepEqual(report, { installed: false });
  assertSdkTraceThenOwn(logged);
});

test("every per-resource debug message of the installed SDK's runtime begins as SDK_RUNTIME_TRACE expects; its two per-package ones pass", () => {
  const runtime = join(ROOT, "node_modules", "@pulumi", "pulumi", "runtime");
  const read = (file: string): string => readFileSync(join(runtime, file), "utf8");
  // The literal beginning of each message: `log.debug(`...` or, in invoke.js, `log.debug(label`.
  const starts = ["resource.js", "invoke.js", "rpc.js"].flatMap((file) =>
    [...read(file).matchAll(/log\.debug\(`([^`$]*)/g)].map((m) => m[1]!),
  );
  const invokeLabels = [...read("invoke.js").matchAll(/const label = `([^`$]*)/g)].map(
    (m) => m[1]!,
  );
  assert.deepEqual(invokeLabels, ["Invoking function: tok=", "Calling function: tok="]);
  starts.push(...invokeLabels);
  assert.ok(starts.length >= 30, `only ${starts.length} messages found`);
  assert.deepEqual(
    starts.filter((s) => !SDK_RUNTIME_TRACE.test(s)),
    ["skip re-registering already registered ", "registering "],
  );
});
