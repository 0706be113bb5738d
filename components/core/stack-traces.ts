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

/** Pauses stack traces; returns the function that resumes them (calls nest). */
export function pauseStackTraces(): () => void {
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
