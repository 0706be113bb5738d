import { createRequire } from "node:module";
import { quietSdkRuntimeDebug } from "./sdk-debug-messages";
import { cheaperSourcePositions } from "./source-positions";

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

/** What this module uses of @pulumi/pulumi's runtime/state: the promises its leak report counts. */
interface SdkState {
  getStore?: () => { leakCandidates?: Set<Promise<unknown>> };
}

/** Marks the `debuggablePromise` that `skipUnreadLeakStacks` installed. */
const SKIPS_LEAK_STACKS = Symbol.for("lhcb-platform.skipsLeakStacks");

/**
 * Makes @pulumi/pulumi's `debuggablePromise` do only what is used while promise leaks are not
 * being debugged: track the promise among the leak candidates until it settles (the SDK fails a
 * run that exits with some still pending) and mark a rejection's error with its promise, as the
 * SDK does. What it skips is what only PULUMI_DEBUG_PROMISE_LEAKS prints: a stack trace, an id
 * and the context defined on each promise. With source maps on, the stack traces alone were 19%
 * of the declaration's CPU at ten times the paper's scale, the rest of the SDK's function another
 * tenth (docs/scale.md). The first call still goes to the SDK's function, which sets up the leak
 * report at exit. When the variable is set, nothing is replaced, so nothing that is printed
 * changes. Idempotent; returns whether the SDK's `debuggablePromise` is now this one (false when
 * the variable is set or the SDK no longer has the functions).
 */
export function skipUnreadLeakStacks(): boolean {
  const sdkRequire = createRequire(__filename);
  const sdk = sdkRequire("@pulumi/pulumi/runtime/debuggable") as SdkDebuggable;
  const state = sdkRequire("@pulumi/pulumi/runtime/state") as SdkState;
  const original = sdk.debuggablePromise;
  const getStore = state.getStore;
  if (typeof original !== "function" || typeof getStore !== "function") return false;
  if (sdk.debugPromiseLeaks) return false;
  if (SKIPS_LEAK_STACKS in original) return true;
  let first = true;
  const tracking = (p: Promise<unknown>, ctx: unknown): Promise<unknown> => {
    if (first) {
      first = false;
      return original(p, ctx);
    }
    const store = getStore();
    store.leakCandidates?.add(p);
    return p.then(
      (value) => {
        store.leakCandidates?.delete(p);
        return value;
      },
      (err: unknown) => {
        store.leakCandidates?.delete(p);
        (err as { promise?: unknown }).promise = p;
        throw err;
      },
    );
  };
  Object.defineProperty(tracking, SKIPS_LEAK_STACKS, { value: true });
  sdk.debuggablePromise = tracking;
  return true;
}

/**
 * Whether the SDK's functions were looked at (`skipUnreadLeakStacks`, `cheaperSourcePositions`,
 * `quietSdkRuntimeDebug`), whatever was found: an SDK without them is not looked up again at every
 * pause.
 */
let sdkChecked = false;

/**
 * Pauses stack traces; returns the function that resumes them (calls nest). The first call also
 * makes the SDK skip its unread leak stacks from then on (`skipUnreadLeakStacks`) and take the
 * resources' source positions from V8's call sites (`cheaperSourcePositions`) and keep its
 * runtime's per-resource debug trace from the engine (`quietSdkRuntimeDebug`).
 */
export function pauseStackTraces(): () => void {
  if (!sdkChecked) {
    skipUnreadLeakStacks();
    cheaperSourcePositions();
    quietSdkRuntimeDebug();
    sdkChecked = true;
  }
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
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
