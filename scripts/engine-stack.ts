// Opening a stack of this project under the real engine through the Automation API, with the
// program inline (no Node.js language host needed). Shared by scripts/engine.ts and the tests.
import {
  LocalWorkspace,
  LocalWorkspaceOptions,
  PulumiCommand,
  Stack,
} from "@pulumi/pulumi/automation";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { localNetwork } from "../components/core/local-network";
import { platformProgram } from "../program";
import { tempDir } from "./temp-dir";

export const PROJECT_ROOT = resolve(__dirname, "..");

/**
 * Where scripts/toolchain/build.sh keeps the CLI, language host, plugins and consul-esm: machine-wide,
 * outside the clone (scripts/toolchain/paths.sh says the same).
 */
export function toolchainCache(): string {
  return (
    process.env.PLATFORM_TOOLCHAIN_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "lhcb-platform", "toolchain")
  );
}

/** The Pulumi CLI scripts/toolchain/build.sh built. */
export function pulumiCli(): string {
  return join(toolchainCache(), "bin", "pulumi");
}

/**
 * The CLI as an operator's shell runs it after `. scripts/toolchain/env.sh`: the project's
 * scripts/toolchain/bin/pulumi, which runs `pulumiCli()` (and skips the per-step snapshot in a
 * preview, see there).
 */
export function operatorCli(): string {
  return join(PROJECT_ROOT, "scripts", "toolchain", "bin", "pulumi");
}

/**
 * The environment the CLI needs: what scripts/toolchain/env.sh exports wins; otherwise the same
 * defaults: first on PATH the project's wrappers of the CLI and the language host
 * (scripts/toolchain/bin: without the latter, the CLI would start the toolchain's host without the
 * project's runtime options, the program under ts-node and without its Node arguments, see
 * docs/toolchain.md), then the project's Node 22 and the toolchain's CLI and host; a file
 * backend in .pulumi-state, a random passphrase made once in .cache, the providers' diffs asked
 * in parallel (PULUMI_PARALLEL_DIFF) and the Go processes' GOGC at 400 (each unless already
 * set). The plugins are found in PULUMI_HOME (default ~/.pulumi), where
 * scripts/toolchain/install-plugins.sh installed them.
 */
export function engineEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: [
      join(PROJECT_ROOT, "scripts", "toolchain", "bin"),
      dirname(process.execPath),
      join(toolchainCache(), "bin"),
      process.env.PATH ?? "",
    ].join(":"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    // Diffs in parallel, as env.sh has it (and an operator's own setting wins there too).
    PULUMI_PARALLEL_DIFF: process.env.PULUMI_PARALLEL_DIFF ?? "true",
    // The engine's Go processes collect at 5 times their live heap, as scripts/toolchain/bin/pulumi
    // has it for the operator's CLI (the automation API runs the cache's CLI without it).
    GOGC: process.env.GOGC ?? "400",
  };
  if (!process.env.PULUMI_BACKEND_URL && loggedInBackend() === undefined) {
    mkdirSync(join(PROJECT_ROOT, ".pulumi-state"), { recursive: true });
    env.PULUMI_BACKEND_URL = `file://${join(PROJECT_ROOT, ".pulumi-state")}`;
  }
  if (!process.env.PULUMI_CONFIG_PASSPHRASE && !process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    const cache = join(PROJECT_ROOT, ".cache");
    const file = join(cache, "pulumi-passphrase");
    if (!existsSync(file)) {
      mkdirSync(cache, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600 });
    }
    env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  }
  return env;
}

/**
 * The backend the operator chose with `pulumi login` (the CLI keeps it as "current" in
 * `$PULUMI_HOME/credentials.json`, by default `~/.pulumi`); undefined where they chose none.
 */
export function loggedInBackend(): string | undefined {
  const home = process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  try {
    const { current } = JSON.parse(readFileSync(join(home, "credentials.json"), "utf8")) as {
      current?: unknown;
    };
    return typeof current === "string" && current !== "" ? current : undefined;
  } catch {
    return undefined;
  }
}

/** Workspace options for a stack of this project: the toolchain's CLI (whatever PATH says) and `engineEnv()`. */
export async function workspaceOptions(workDir: string): Promise<LocalWorkspaceOptions> {
  return {
    workDir,
    envVars: engineEnv(),
    pulumiCommand: await PulumiCommand.get({ root: toolchainCache() }),
  };
}

/**
 * Opens `stackName`, which must exist: its stack file in the project and the stack in the backend
 * (`pulumi stack init`, or a first `npm run up`). Throws saying which is missing, so that a
 * mistyped name creates nothing.
 */
export async function openExistingStack(stackName: string): Promise<Stack> {
  const file = join(PROJECT_ROOT, `Pulumi.${stackName}.yaml`);
  if (!existsSync(file)) throw new Error(`no stack ${stackName}: ${file} does not exist`);
  try {
    return await LocalWorkspace.selectStack(
      { stackName, projectName: "lhcb-platform", program: platformProgram(PROJECT_ROOT) },
      await workspaceOptions(PROJECT_ROOT),
    );
  } catch (e) {
    throw new Error(
      `no stack ${stackName} in the backend: \`pulumi stack init ${stackName}\` and a first \`pulumi up\` deploy it (${e instanceof Error ? e.message.trim().split("\n").pop() : String(e)})`,
    );
  }
}

/** Opens (or creates) `stackName` with the project's Pulumi.yaml and stack file. */
export async function openStack(stackName: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "lhcb-platform", program: platformProgram(PROJECT_ROOT) },
    await workspaceOptions(PROJECT_ROOT),
  );
}

/**
 * Writes `file`, a scratch stack's file: a copy of `Pulumi.<configOf>.yaml` without its encryption
 * salt (the salt belongs to the passphrase that made it; the scratch stack gets its own), with the
 * keys of `config` (full keys, `lhcb-platform:catalog`) set to plain values.
 */
export function writeScratchStackFile(
  file: string,
  configOf: string,
  config: Record<string, unknown> = {},
): void {
  const text = readFileSync(join(PROJECT_ROOT, `Pulumi.${configOf}.yaml`), "utf8").replace(
    /^encryptionsalt:.*\n?/m,
    "",
  );
  if (Object.keys(config).length === 0) {
    writeFileSync(file, text);
    return;
  }
  const doc = parseDocument(text);
  for (const [key, value] of Object.entries(config))
    if (value === undefined) doc.deleteIn(["config", key]);
    else doc.setIn(["config", key], value);
  writeFileSync(file, doc.toString());
}

/**
 * Opens a throwaway stack `stackName` in a temporary project directory whose stack file is a copy
 * of `Pulumi.<configOf>.yaml`: the stack name (part of every physical name) differs, the platform
 * and the shape of its config are the same. The catalog is read from the project.
 */
export async function openScratchStack(stackName: string, configOf: string): Promise<Stack> {
  const dir = tempDir("lhcb-platform-stack-");
  writeScratchStackFile(join(dir, `Pulumi.${stackName}.yaml`), configOf);
  return LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "lhcb-platform", program: platformProgram(PROJECT_ROOT) },
    {
      ...(await workspaceOptions(dir)),
      projectSettings: { name: "lhcb-platform", runtime: "nodejs" },
    },
  );
}

/** The lines of a failed engine command's error that say what failed (`error` lines), `max` of them joined. */
export function errorLines(e: unknown, max: number): string {
  return String(e)
    .split("\n")
    .filter((l) => /error/i.test(l))
    .slice(0, max)
    .join(" | ");
}

/**
 * Destroys a scratch stack and removes it from the backend, whatever its state: `onError` hears
 * why a destroy failed (the removal still runs).
 */
export async function removeScratchStack(
  stack: Stack,
  onError: (e: unknown) => void = () => undefined,
): Promise<void> {
  await stack.destroy({ color: "never" }).catch(onError);
  await stack.workspace.removeStack(stack.name).catch(() => undefined);
}

/**
 * `base`, or `base` with a number after it, whichever first names a stack whose local network
 * (core/local-network.ts: a /22 chosen by the stack's name) no Docker network on this engine holds
 * yet, so a scratch stack never collides with the developer's `local` or another scratch stack.
 */
export function stackWithFreeNetwork(base: string): string {
  const inspect = spawnSync(
    "sh",
    [
      "-c",
      "docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $(docker network ls -q)",
    ],
    { encoding: "utf8" },
  );
  const taken = new Set(
    inspect.status === 0 ? inspect.stdout.split(/\s+/).filter((x) => x !== "") : [],
  );
  for (let i = 0; i < 256; i++) {
    const name = i === 0 ? base : `${base}${i}`;
    if (!taken.has(localNetwork(name).subnet)) return name;
  }
  throw new Error(
    `no stack name from ${base} with a free local network (${taken.size} subnets taken)`,
  );
}
