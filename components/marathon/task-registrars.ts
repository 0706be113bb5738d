import * as pulumi from "@pulumi/pulumi";
import { aclEnforced } from "../consul/consul-acl-plan";
import { tlsEnforced } from "../consul/consul-tls-plan";
import { assertSecretsGiven, RequiredSecret } from "../core/required-secrets";
import { ContainerResource, declarePlanned } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { mesosAuthEnforced } from "../mesos/mesos-auth-plan";
import { taskRegistrarsPlan } from "../plan";
import { RegistrarSpec } from "./task-registrar";

export interface TaskRegistrarsArgs {
  /** What it reads of the site (`resolvePlatform`; a `PlatformSpec` is one): a registrar on each slave where `marathon`-mode services run on the Mesos side, none otherwise. */
  spec: RegistrarSpec;
  inventory: HostInventory;
  /** What must exist first: the Mesos agents they read and the Consul agents they write through. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The registrars' Consul token (a secret; `ConsulCluster.registrarToken`), where Consul's ACLs are on (`aclEnforced`). */
  consulToken?: pulumi.Input<string>;
  /** The CA certificate (PEM) Consul's HTTPS API is checked against, where Consul's TLS is on (`tlsEnforced`). */
  consulCaCert?: pulumi.Input<string>;
  /** The secret of the Mesos principal `platform-admin` (`mesosSecrets.admin`), where Mesos asks for credentials: the agents' HTTP API asks for it. */
  mesosAdminSecret?: pulumi.Input<string>;
}

/**
 * The task registrars: on each slave, the program that puts the running, healthy Marathon tasks
 * of its Mesos agent into Consul's catalog and takes them out when they are killed, so that the
 * balancers serve the `marathon`-mode services (marathon/task-registrar.ts).
 */
export class TaskRegistrars extends pulumi.ComponentResource {
  /** Registrar container per slave host id. */
  public readonly registrars: Record<string, ContainerResource>;

  constructor(name: string, args: TaskRegistrarsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const planned = taskRegistrarsPlan(args.spec);
    if (planned.length > 0) assertRegistrarSecrets(args);
    super("lhcb-platform:marathon:TaskRegistrars", name, {}, opts);
    this.registrars = declarePlanned(this, args.inventory, `${name}-`, planned, args.dependsOn, {
      consulToken: args.consulToken,
      consulCaCert: args.consulCaCert,
      mesosAdminSecret: args.mesosAdminSecret,
    });
    this.registerOutputs({});
  }
}

/** The secrets the registrars need where their stack asks for them, each named when missing. */
function assertRegistrarSecrets(args: TaskRegistrarsArgs): void {
  const { spec } = args;
  const needed: RequiredSecret[] = [
    ...(aclEnforced(spec)
      ? [
          {
            path: "consulToken",
            given: args.consulToken,
            what: "the registrars' Consul token (`ConsulCluster.registrarToken`)",
          },
        ]
      : []),
    ...(tlsEnforced(spec)
      ? [
          {
            path: "consulCaCert",
            given: args.consulCaCert,
            what: "Consul's CA certificate (`ConsulCluster.caCertificate`)",
          },
        ]
      : []),
    ...(mesosAuthEnforced(spec)
      ? [
          {
            path: "mesosAdminSecret",
            given: args.mesosAdminSecret,
            what: "the secret of the Mesos principal platform-admin (`mesosSecrets.admin`)",
          },
        ]
      : []),
  ];
  assertSecretsGiven("TaskRegistrarsArgs", `stack ${spec.stack} asks for credentials`, needed);
}
