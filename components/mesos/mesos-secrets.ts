import * as pulumi from "@pulumi/pulumi";
import { generatedSecret, PASSWORD_COMMAND } from "../core/generated-secret";
import { MESOS_PRINCIPALS, MesosPrincipal } from "./mesos-auth-plan";

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
