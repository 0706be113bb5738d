// Runs the commands `ConsulTls` makes certificates with, as the command provider runs them.
import { execFileSync } from "node:child_process";

/** `command` run by /bin/sh with only PATH and `env` in its environment; its stdout. */
export function runCertificateCommand(command: string, env: Record<string, string>): string {
  return execFileSync("/bin/sh", ["-c", command], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
}
