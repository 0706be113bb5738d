// Running the machine's commands for the site: each one logged when it fails, with its output.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";

const t0 = Date.now();

/** A progress line: `site: <message> [<seconds since start>s]`. */
export function say(message: string): void {
  console.log(`site: ${message} [${((Date.now() - t0) / 1000).toFixed(1)}s]`);
}

/** Runs `cmd` and returns its stdout; throws with the command, its status and its stderr. */
export function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      input: opts.input,
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 2 ** 20,
    });
  } catch (e) {
    const err = e as { status?: number; stderr?: string; message: string };
    throw new Error(
      `\`${[cmd, ...args].join(" ")}\` failed (status ${err.status ?? "?"}): ${(err.stderr ?? err.message).trim()}`,
    );
  }
}

/** Whether `cmd` exits 0 (its output discarded). */
export function succeeds(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Starts `cmd` detached from this process, its output appended to `logFile`; returns its pid. */
export function startDetached(cmd: string, args: string[], logFile: string): number {
  const out = openSync(logFile, "a");
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Waits until `ready()` holds, checking every 200 ms; throws naming `what` after `seconds`. */
export async function waitFor(what: string, ready: () => boolean, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`${what}: not ready after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Whether `pid` runs: it exists and is no zombie. An engine that `restore` started from a process
 * still alive (a test) stays a zombie until that process reaps it, which it cannot while it waits
 * for `down`.
 */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pid in `file`, when it names a running process. */
export function livePid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return pid > 0 && running(pid) ? pid : undefined;
}
