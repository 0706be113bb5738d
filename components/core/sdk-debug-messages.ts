import { createRequire } from "node:module";

/**
 * @pulumi/pulumi's runtime traces every resource it registers with debug messages to the engine:
 * `Registering resource: ...`, `RegisterResource RPC prepared: ...` and `RegisterResource RPC
 * finished: ...` (its response printed whole), each an RPC of its own, one after another in one
 * promise chain. The CLI formats each and shows it only under `pulumi up --debug`. At the paper's
 * scale that is 5,335 RPCs in a preview of 1,769 resources: the preview took 13.1 to 13.7 s without
 * them, 14.9 to 16.0 s with them (docs/scale.md).
 *
 * `quietSdkRuntimeDebug` keeps those messages of the SDK's runtime in the program (recognised by how
 * they begin, `SDK_RUNTIME_TRACE`); every other message, the program's own debug messages among
 * them, goes to the engine as before. With `PLATFORM_SDK_DEBUG=1` nothing is held back, for
 * `pulumi up --debug` to show the SDK's trace as well.
 */

/** How the runtime's per-resource, per-invoke and per-property debug messages begin. */
export const SDK_RUNTIME_TRACE =
  /^(?:Registering resource: |RegisterResource RPC |RegisterResourceOutputs RPC |Reading resource: |ReadResource RPC |Getting resource: |getResource Invoke RPC |Resource RPC serialization requested: |Serialize property \[|Invoking function: |Invoke RPC |Calling function: |Call RPC )/;

/** What this module replaces on @pulumi/pulumi's `log` module. */
interface SdkLog {
  debug?: (msg: string, ...rest: unknown[]) => Promise<void>;
}

/** Marks the `debug` that `quietSdkRuntimeDebug` installed. */
const QUIET = Symbol.for("lhcb-platform.quietSdkRuntimeDebug");

/**
 * Makes @pulumi/pulumi's `log.debug` keep the runtime's own trace messages (above) from the
 * engine. Idempotent; returns whether it is installed (false under `PLATFORM_SDK_DEBUG=1` or when
 * the SDK no longer has the function).
 */
export function quietSdkRuntimeDebug(): boolean {
  if (process.env.PLATFORM_SDK_DEBUG === "1") return false;
  const log = createRequire(__filename)("@pulumi/pulumi/log") as SdkLog;
  const sdkDebug = log.debug;
  if (typeof sdkDebug !== "function") return false;
  if (QUIET in sdkDebug) return true;
  const quiet = (msg: string, ...rest: unknown[]): Promise<void> =>
    SDK_RUNTIME_TRACE.test(msg) ? Promise.resolve() : sdkDebug(msg, ...rest);
  Object.defineProperty(quiet, QUIET, { value: true });
  log.debug = quiet;
  return true;
}
