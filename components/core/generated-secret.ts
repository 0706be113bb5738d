import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** The shell command that makes a password: 48 hex digits from /dev/urandom. */
export const PASSWORD_COMMAND = "od -An -tx1 -N24 /dev/urandom | tr -d ' \\n'";

/**
 * A secret made at the first `up` and kept in the stack: a local command (`create`, a shell
 * command that prints the value) whose output is a secret and is never logged. It stays as long
 * as the command resource does; `pulumi up --replace` of it makes a new one.
 */
export function generatedSecret(
  parent: pulumi.Resource,
  name: string,
  create: string,
): pulumi.Output<string> {
  const made = new command.local.Command(
    name,
    { create, logging: command.local.Logging.None },
    { parent, additionalSecretOutputs: ["stdout"] },
  );
  return pulumi.secret(made.stdout.apply((s) => s.trim()));
}
