import * as pulumi from "@pulumi/pulumi";
import { SecretName } from "../core/container-spec";
import { generatedSecret, PASSWORD_COMMAND } from "../core/generated-secret";
import { MesosSpec } from "../core/platform-spec";
import { assertZookeeperPasswords } from "../zookeeper/zookeeper-clients";
import {
  assertMesosSecrets,
  MESOS_PRINCIPALS,
  MesosPrincipal,
  MesosSecrets,
  mesosSecretValues,
} from "./mesos-auth-plan";

/**
 * A secret per Mesos principal (mesos-auth-plan.ts), each made at the first `up` and kept in the
 * stack (`<name>-secret-<principal>`).
 */
export function mesosSecrets(
  parent: pulumi.Resource,
  name: string,
): Record<MesosPrincipal, pulumi.Output<string>> {
  const made = (p: MesosPrincipal) =>
    generatedSecret(parent, `${name}-secret-${MESOS_PRINCIPALS[p]}`, PASSWORD_COMMAND);
  return {
    admin: made("admin"),
    agent: made("agent"),
    marathon: made("marathon"),
    chronos: made("chronos"),
  };
}

/** What Marathon or Chronos is given of the site's secrets (`MarathonArgs`, `ChronosArgs`). */
export interface FrameworkSecretArgs {
  spec: MesosSpec;
  zookeeperPassword?: pulumi.Input<string>;
  mesosSecrets?: MesosSecrets<pulumi.Input<string>>;
}

/**
 * The secrets a framework's containers hold, under the names their files hold placeholders by:
 * its ZooKeeper password and the secrets of the operator's and its own Mesos principals. Checked
 * first, so that its component declares nothing when one is missing where it is asked for: one
 * error naming `argsName` and each missing argument.
 */
export function frameworkSecrets(
  argsName: string,
  args: FrameworkSecretArgs,
  framework: "marathon" | "chronos",
): Partial<Record<SecretName, pulumi.Input<string>>> {
  assertZookeeperPasswords(
    argsName,
    args.spec,
    { [framework]: args.zookeeperPassword },
    { [framework]: "zookeeperPassword" },
  );
  assertMesosSecrets(argsName, args.spec, args.mesosSecrets, ["admin", framework]);
  return {
    zookeeperPassword: args.zookeeperPassword,
    ...mesosSecretValues({
      admin: args.mesosSecrets?.admin,
      [framework]: args.mesosSecrets?.[framework],
    }),
  };
}
