// A scratch stack of this project driven through the Pulumi CLI, as an operator runs it in a shell
// (`pulumi up --stack NAME` in the project directory, the Node.js language host running index.ts),
// rather than through the Automation API. Its stack file is a copy of another stack's config under
// the scratch name (git-ignored: Pulumi.scratch-*.yaml), removed again with the stack.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  engineEnv,
  operatorCli,
  PROJECT_ROOT,
  stackWithFreeNetwork,
  writeScratchStackFile,
} from "./engine-stack";

const execFileAsync = promisify(execFile);

/** What the tests read of a resource in `pulumi stack export`. */
export interface ExportedResource {
  type: string;
  urn: string;
  /** Where the program declared it: `project:///<file>#<line>,<column>`. */
  sourcePosition?: string;
}

export class CliStack {
  /** The scratch stack's name: `scratch-<label>`. */
  public readonly name: string;
  private readonly file: string;

  /**
   * Creates stack `scratch-<label>` (a number added if its local network is taken:
   * `stackWithFreeNetwork`) with the config of `Pulumi.<configOf>.yaml` (its salt dropped), and
   * `config` (full keys) set over it.
   */
  public static async create(
    label: string,
    configOf: string,
    config: Record<string, unknown> = {},
  ): Promise<CliStack> {
    const s = new CliStack(stackWithFreeNetwork(`scratch-${label}`));
    writeScratchStackFile(s.file, configOf, config);
    await s.pulumi(["stack", "init", s.name, "--non-interactive"]);
    return s;
  }

  private constructor(name: string) {
    this.name = name;
    this.file = join(PROJECT_ROOT, `Pulumi.${name}.yaml`);
  }

  /**
   * Runs `pulumi ARGS` in the project directory, through the CLI an operator's shell runs
   * (`operatorCli`), with `env` added; resolves with its output, rejects with it on failure.
   */
  public async pulumi(args: string[], env: Record<string, string> = {}): Promise<string> {
    try {
      const r = await execFileAsync(operatorCli(), args, {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...engineEnv(), ...env },
        maxBuffer: 256 * 2 ** 20,
      });
      return r.stdout + r.stderr;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `pulumi ${args.join(" ")} failed: ${x.message}\n${x.stdout ?? ""}\n${x.stderr ?? ""}`,
      );
    }
  }

  /** `pulumi up --yes` of this stack. */
  public up(): Promise<string> {
    return this.pulumi([
      "up",
      "--stack",
      this.name,
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "--color",
      "never",
    ]);
  }

  /** `pulumi up --yes --replace URN ...`: replaces those resources even though nothing changed. */
  public upReplacing(urns: string[]): Promise<string> {
    return this.pulumi([
      "up",
      "--stack",
      this.name,
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "--color",
      "never",
      ...urns.flatMap((u) => ["--replace", u]),
    ]);
  }

  /** `pulumi preview`; `env` is added to the CLI's environment. */
  public preview(env: Record<string, string> = {}): Promise<string> {
    return this.pulumi(
      ["preview", "--stack", this.name, "--non-interactive", "--color", "never"],
      env,
    );
  }

  /**
   * `pulumi preview --expect-no-changes`: rejects when the preview shows any change. `env` is
   * added to the CLI's environment.
   */
  public previewNoChanges(env: Record<string, string> = {}): Promise<string> {
    return this.pulumi(
      [
        "preview",
        "--stack",
        this.name,
        "--expect-no-changes",
        "--non-interactive",
        "--color",
        "never",
        "--diff",
      ],
      env,
    );
  }

  /** The stack's state (`pulumi stack export`). */
  public async exportState(): Promise<{ resources: ExportedResource[] }> {
    const out = await this.pulumi(["stack", "export", "--stack", this.name]);
    return (JSON.parse(out) as { deployment: { resources: ExportedResource[] } }).deployment;
  }

  /** `pulumi destroy --yes`. */
  public destroy(): Promise<string> {
    return this.pulumi([
      "destroy",
      "--stack",
      this.name,
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "--color",
      "never",
    ]);
  }

  /** Destroys the stack whatever its state, removes it from the backend, and deletes its stack file. */
  public async remove(onError: (e: unknown) => void = () => undefined): Promise<void> {
    await this.destroy().catch(onError);
    await this.pulumi(["stack", "rm", this.name, "--yes", "--force", "--non-interactive"]).catch(
      () => undefined,
    );
    rmSync(this.file, { force: true });
  }
}
