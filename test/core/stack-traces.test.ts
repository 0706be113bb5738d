// Stack traces nobody reads: once the platform first pauses stack traces, @pulumi/pulumi's
// debuggablePromise takes none and defines nothing on the promise (its leak report prints them
// only under PULUMI_DEBUG_PROMISE_LEAKS), and still tracks, settles and rejects every promise as
// before, and a promise left pending still fails the run at exit; with that variable set, nothing
// changes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { test } from "node:test";
import { skipUnreadLeakStacks } from "../../components/core/stack-traces";

interface SdkDebuggable {
  debuggablePromise(p: Promise<unknown>, ctx: string): Promise<unknown>;
}
interface SdkState {
  getStore(): { leakCandidates: Set<Promise<unknown>> };
}

const sdkRequire = createRequire(__filename);
const debuggable = sdkRequire("@pulumi/pulumi/runtime/debuggable") as SdkDebuggable;
const state = sdkRequire("@pulumi/pulumi/runtime/state") as SdkState;

const FRAME = /\n\s+at /;

/** What a fresh process reports: the SDK's leak stack trace before and after the first pause. */
interface ChildReport {
  before: string;
  after: string | null;
  limitKept: boolean;
  errorsTraced: boolean;
  installedOnce: boolean;
}

function reportOfFreshProcess(env: NodeJS.ProcessEnv): ChildReport {
  const script = [
    'const { pauseStackTraces, skipUnreadLeakStacks } = require("./components/core/stack-traces");',
    'const d = require("@pulumi/pulumi/runtime/debuggable");',
    'const trace = () => { const p = Promise.resolve(1); d.debuggablePromise(p, "test"); return p._debugStackTrace ?? null; };',
    "const before = trace(), limit = Error.stackTraceLimit;",
    "pauseStackTraces()();",
    "trace(); // the first call goes to the SDK's own, which sets up the leak report",
    "const after = trace(), installed = d.debuggablePromise;",
    "skipUnreadLeakStacks();",
    "console.log(JSON.stringify({ before, after, limitKept: Error.stackTraceLimit === limit,",
    '  errorsTraced: /\\n\\s+at /.test(new Error("x").stack), installedOnce: d.debuggablePromise === installed }));',
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as ChildReport;
}

test("after the first pause, the SDK's debuggablePromise takes no stack trace (it took one before); the stack trace limit and other errors' traces are as they were", () => {
  const r = reportOfFreshProcess({ PULUMI_DEBUG_PROMISE_LEAKS: "" });
  assert.match(r.before, FRAME);
  assert.equal(r.after, null);
  assert.deepEqual(
    { limitKept: r.limitKept, errorsTraced: r.errorsTraced, installedOnce: r.installedOnce },
    { limitKept: true, errorsTraced: true, installedOnce: true },
  );
});

test("a promise through the skipping debuggablePromise settles as before and leaves the leak candidates once settled", async () => {
  skipUnreadLeakStacks();
  await debuggable.debuggablePromise(Promise.resolve(0), "the first call, the SDK's own");
  const candidates = state.getStore().leakCandidates;
  const resolved = Promise.resolve("value");
  const tracked = debuggable.debuggablePromise(resolved, "resolved");
  assert.ok(candidates.has(resolved));
  assert.equal(await tracked, "value");
  assert.ok(!candidates.has(resolved));
  const rejected = Promise.reject(new Error("refused"));
  await assert.rejects(debuggable.debuggablePromise(rejected, "rejected"), (e: Error) => {
    assert.equal(e.message, "refused");
    assert.equal((e as Error & { promise?: unknown }).promise, rejected);
    return true;
  });
  assert.ok(!candidates.has(rejected));
});

/** The exit status and error output of a fresh process that tracks a promise that `settles` or not. */
function exitOfFreshProcess(settles: boolean): { status: number | null; stderr: string } {
  const script = [
    'const { pauseStackTraces } = require("./components/core/stack-traces");',
    'const d = require("@pulumi/pulumi/runtime/debuggable");',
    "pauseStackTraces()();",
    'd.debuggablePromise(Promise.resolve(0), "first");',
    `d.debuggablePromise(${settles ? "Promise.resolve(1)" : "new Promise(() => {})"}, "tracked");`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "" },
  });
  return { status: r.status, stderr: r.stderr };
}

test("a tracked promise still pending at exit fails the run with the SDK's leak report; one that settled does not", () => {
  const pending = exitOfFreshProcess(false);
  assert.equal(pending.status, 1);
  assert.match(pending.stderr, /detected that 1 promise was still active/);
  assert.deepEqual(exitOfFreshProcess(true), { status: 0, stderr: "" });
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set, the SDK keeps its stack traces", () => {
  const r = reportOfFreshProcess({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
  assert.match(r.before, FRAME);
  assert.match(r.after ?? "", FRAME);
});

test("the SDK is looked at once: when its first pause finds no debuggablePromise, a later pause does not look again", () => {
  const script = [
    'const { pauseStackTraces } = require("./components/core/stack-traces");',
    'const d = require("@pulumi/pulumi/runtime/debuggable");',
    "const original = d.debuggablePromise;",
    "d.debuggablePromise = undefined;",
    "pauseStackTraces()();",
    "d.debuggablePromise = original;",
    "pauseStackTraces()();",
    "console.log(JSON.stringify({ untouched: d.debuggablePromise === original }));",
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { untouched: true });
});
