import * as command from "@pulumi/command";
import { getVersion } from "@pulumi/command/utilities";
import * as pulumi from "@pulumi/pulumi";
import { setProperties } from "./set-properties";

/**
 * The command provider's local command (`command:local:Command`), declared with only the
 * properties that are set and no outputs. @pulumi/command's `Command` class makes an Output of
 * all 16 of its properties; an instance's readiness probe sets 4 and reads none, and there is one
 * per instance (docs/scale.md). Same type token, inputs, options and plugin version as
 * `command.local.Command`, so the engine, the provider and the state see no difference.
 */
export class LocalCommand extends pulumi.CustomResource {
  constructor(
    name: string,
    args: command.local.CommandArgs,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    // `triggers` replace the command, as the generated class declares.
    super(
      LocalCommand.type,
      name,
      setProperties(args),
      pulumi.mergeOptions({ version: getVersion(), replaceOnChanges: ["triggers[*]"] }, opts),
    );
  }

  /** The provider's type token, the same as @pulumi/command's `local.Command`. */
  public static readonly type = "command:local:Command";
}
