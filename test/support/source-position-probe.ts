// Run as a program (test/core/source-positions.test.ts starts it): declares the same docker
// Network twice under Pulumi mocks, from the same line, once with @pulumi/pulumi's own
// source positions and once with `cheaperSourcePositions` (or, with the argument `sdk`, twice
// with the SDK's own; with `no-source-maps`, Node's source maps turned off first; with
// `runner-register`, source-map-support's `register` loaded first, as the language host's runner
// loads it), and prints what each registration carried to the resource monitor as JSON:
// its name, source position and stack trace. The declaration sits under a class's constructor,
// an `Array.map` callback, zod's parsing and an `await`, so the stack holds TypeScript frames,
// JavaScript frames without a source map (zod's), native and async frames.
import * as docker from "@pulumi/docker";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { cheaperSourcePositions } from "../../components/core/source-positions";
import { installEchoMocks } from "./mocks";

/** What the probe prints. */
export interface ProbeReport {
  /** What `cheaperSourcePositions` returned (false when it was not called). */
  installed: boolean;
  /** Whether something other than Node formats stack traces (an `Error.prepareStackTrace` not Node's). */
  formatsOwnTraces: boolean;
  registrations: ProbeRegistration[];
}

/** One registration as the resource monitor received it. */
export interface ProbeRegistration {
  name: string;
  position: unknown;
  trace: unknown;
}

interface RegisterRequest {
  getName(): string;
  getSourceposition(): { toObject(): unknown } | undefined;
  getStacktrace(): { toObject(): unknown } | undefined;
}
interface Monitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

function declareNetwork(name: string): docker.Network {
  return new docker.Network(name, {}); // the probe's declaration
}

class NetworkHolder {
  readonly network: docker.Network;
  constructor(name: string) {
    this.network = [name].map((n) => declareNetwork(n))[0]!;
  }
}

async function declareAfterAwait(name: string): Promise<docker.Network> {
  await Promise.resolve();
  return z
    .string()
    .transform((n) => new NetworkHolder(n))
    .parse(name).network;
}

async function main(): Promise<void> {
  await installEchoMocks();
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  const seen: ProbeRegistration[] = [];
  monitor.registerResource = (req, callback) => {
    seen.push({
      name: req.getName(),
      position: req.getSourceposition()?.toObject(),
      trace: req.getStacktrace()?.toObject(),
    });
    return register(req, callback);
  };
  const sdkOnly = process.argv.includes("sdk");
  // As source-map-support does under ts-node: stack traces formatted by a function of its own.
  if (process.argv.includes("own-format"))
    Error.prepareStackTrace = (error: Error, sites: NodeJS.CallSite[]) =>
      `${String(error)}${sites.map((s) => `\n    at ${String(s)}`).join("")}`;
  if (process.argv.includes("no-source-maps")) process.setSourceMapsEnabled(false);
  // As the language host's runner (@pulumi/pulumi's cmd/run) does before it loads a program.
  if (process.argv.includes("runner-register"))
    createRequire(__filename)("source-map-support/register");
  let installed = false;
  for (const name of ["sdk", "cheaper"]) {
    if (name === "cheaper" && !sdkOnly) installed = cheaperSourcePositions();
    const network = await declareAfterAwait(name);
    await new Promise((resolve) => network.urn.apply(resolve));
  }
  const report: ProbeReport = {
    installed,
    formatsOwnTraces:
      (Error.prepareStackTrace?.name ?? "ErrorPrepareStackTrace") !== "ErrorPrepareStackTrace",
    registrations: seen,
  };
  console.log(JSON.stringify(report));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
