// Run as a program (test/core/sdk-debug-messages.test.ts starts it, with PULUMI_NODEJS_ENGINE set
// to a stand-in engine): under Pulumi mocks, declares one docker Network (the SDK's runtime traces
// its registration with debug messages to the engine) and sends one debug and one info message of
// its own, having first called `quietSdkRuntimeDebug` unless given the argument `sdk`. Prints
// what `quietSdkRuntimeDebug` returned, as JSON.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { quietSdkRuntimeDebug } from "../../components/core/sdk-debug-messages";
import { installEchoMocks } from "./mocks";

/** What the probe prints. */
export interface SdkDebugProbeReport {
  installed: boolean;
}

async function main(): Promise<void> {
  await installEchoMocks();
  const installed = process.argv.includes("sdk") ? false : quietSdkRuntimeDebug();
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
