// Opening a stack of this project under the real engine through the Automation API, with the
// program inline (no Node.js language host needed). Shared by scripts/engine.ts and the tests.
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { readStackFile } from "../components/core/stack-config";
import { platformProgram } from "../program";

export const PROJECT_ROOT = resolve(__dirname, "..");

/** The environment the CLI and the dynamic provider plugin need, on top of scripts/toolchain/env.sh. */
export function engineEnv(): Record<string, string> {
  const pulumiPkg = join(PROJECT_ROOT, "node_modules", "@pulumi", "pulumi");
  return {
    PATH: [dirname(process.execPath), join(PROJECT_ROOT, ".cache", "toolchain", "bin"), pulumiPkg, process.env.PATH ?? ""].join(":"),
    // pulumi-resource-pulumi-nodejs resolves @pulumi/pulumi from its working directory.
    NODE_PATH: join(PROJECT_ROOT, "node_modules"),
  };
}

/** Opens (or creates) `stackName` with the project's Pulumi.yaml and stack file. */
export function openStack(stackName: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "lhcb-platform", program: platformProgram(PROJECT_ROOT) },
    { workDir: PROJECT_ROOT, envVars: engineEnv() },
  );
}

/**
 * Opens a throwaway stack `stackName` in a temporary project directory whose config is that of
 * `Pulumi.<configOf>.yaml`: the stack name (part of every physical name) differs, the platform
 * is the same. The catalog is read from the project.
 */
export async function openScratchStack(stackName: string, configOf: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "lhcb-platform-stack-"));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "lhcb-platform", program: platformProgram(PROJECT_ROOT) },
    { workDir: dir, envVars: engineEnv(), projectSettings: { name: "lhcb-platform", runtime: "nodejs" } },
  );
  const { entries } = readStackFile(PROJECT_ROOT, configOf);
  const config: Record<string, { value: string }> = {};
  for (const [key, value] of Object.entries(entries)) config[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
  await stack.setAllConfig(config);
  return stack;
}
