import { createRequire } from "node:module";

/**
 * Declaring resources without paying for stack traces nobody reads.
 *
 * For every output property of every resource, @pulumi/pulumi wraps a promise in
 * `debuggablePromise`, which captures `new Error().stack` so that a promise leak can be traced
 * when `PULUMI_DEBUG_PROMISE_LEAKS` is set. A docker Container has some 70 outputs, so a
 * platform of 600 instances captures tens of thousands of stack traces; with source maps on (tsx,
 * `--enable-source-maps`) each one maps every frame. Measured on the paper-scale catalog under
 * mocks (docs/scale.md), that was most of the CPU time and memory of the declaration.
 *
 * While paused, `Error.stackTraceLimit` is 0: what is declared is the same, only those debug
 * strings are empty. Nothing is paused when PULUMI_DEBUG_PROMISE_LEAKS is set, and an error thrown
 * while paused gets its stack trace taken again where it is handled (`withStack`).
 */

/** What this module uses of @pulumi/pulumi's runtime/debuggable (an internal module, no types). */
interface SdkDebuggable {
  debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
  debugPromiseLeaks?: boolean;
}

/** Marks the `debuggablePromise` that `skipUnreadLeakStacks` installed. */
const SKIPS_LEAK_STACKS = Symbol.for("lhcb-platform.skipsLeakStacks");

/**
 * Makes @pulumi/pulumi's `debuggablePromise` take no stack trace while promise leaks are not being
 * debugged. Outside the paused windows (after each `await` inside the SDK, when a registration's
 * request is built and when its answer resolves the outputs) it still took one per promise, and
 * with source maps on, mapped every frame: at ten times the paper's scale, 19% of the
 * declaration's CPU (docs/scale.md). The SDK prints those traces only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set, and then this does nothing, so nothing that is printed
 * changes. Idempotent; returns whether the SDK's `debuggablePromise` is now the one that skips
 * them (false when the variable is set or the SDK no longer has the function).
 */
export function skipUnreadLeakStacks(): boolean {
  const sdk = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as SdkDebuggable;
  const original = sdk.debuggablePromise;
  if (typeof original !== "function" || sdk.debugPromiseLeaks) return false;
  if (SKIPS_LEAK_STACKS in original) return true;
  const skipping = (p: Promise<unknown>, ctx: unknown): Promise<unknown> => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  Object.defineProperty(skipping, SKIPS_LEAK_STACKS, { value: true });
  sdk.debuggablePromise = skipping;
  return true;
}

/**
 * Whether `skipUnreadLeakStacks` has run, whatever it found: an SDK without `debuggablePromise`
 * is not looked up again at every pause.
 */
let leakStacksChecked = false;

/**
 * Pauses stack traces; returns the function that resumes them (calls nest). The first call also
 * makes the SDK skip its unread leak stacks from then on (`skipUnreadLeakStacks`).
 */
export function pauseStackTraces(): () => void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
  if (!leakStacksChecked) {
    skipUnreadLeakStacks();
    leakStacksChecked = true;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}

/** Gives an error thrown while stack traces were paused a stack trace from here up (call after resuming). */
export function withStack(e: unknown): unknown {
  if (e instanceof Error && !/\n\s+at /.test(e.stack ?? "")) Error.captureStackTrace(e, withStack);
  return e;
}

/** Runs `declare` with stack traces paused. */
export function withoutStackTraces<T>(declare: () => T): T {
  const resume = pauseStackTraces();
  try {
    return declare();
  } catch (e) {
    resume();
    throw withStack(e);
  } finally {
    resume();
  }
}
