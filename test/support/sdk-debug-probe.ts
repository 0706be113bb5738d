// Run as a program (test/core/sdk-debug-messages.test.ts starts it, with PULUMI_NODEJS_ENGINE set
// to a stand-in engine): under Pulumi mocks, declares one docker Network (the SDK's runtime traces
// its registration with debug messages to the engine) and sends one debug and one info message of
// its own, having first paused stack traces once as a component does when it first declares
// (which installs `quietSdkRuntimeDebug`) unless given the argument `sdk`. Prints whether
// @pulumi/pulumi's `log.debug` is then the quieted one, as JSON.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";
import { pauseStackTraces } from "../../components/core/stack-traces";
import { installEchoMocks } from "./mocks";

/** The mark of the `debug` that `quietSdkRuntimeDebug` installs. */
const QUIETED = Symbol.for("lhcb-platform.quietSdkRuntimeDebug");

/** What the probe prints. */
export interface SdkDebugProbeReport {
  installed: boolean;
}

async function main(): Promise<void> {
  await installEchoMocks();
  if (!process.argv.includes("sdk")) pauseStackTraces()(); // as a component's first declaration
  const sdkLog = createRequire(__filename)("@pulumi/pulumi/log") as { debug: object };
  const installed = QUIETED in sdkLog.debug;
  const network = new docker.Network("probe-net", {});
  await new Promise((resolve) => network.urn.apply(resolve));
  // One chain carries every message in order: once these two are delivered, so is all before them.
  await pulumi.log.debug("the program's own debug message");
  await pulumi.log.info("the program's own info message");
  const report: SdkDebugProbeReport = { installed };
  console.log(JSON.stringify(report));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
