import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { HostSpec } from "../core/config-schema";
import { generatedSecret } from "../core/generated-secret";
import { ConsulSiteSpec } from "../core/platform-spec";
import {
  aclObjectName,
  CONSUL_ROLES,
  ConsulRole,
  ROLE_PURPOSE,
  registrarRules,
  roleRules,
  slaveHostRules,
} from "./consul-acl-plan";
import { consulNodeName } from "./consul-containers";

export interface ConsulAclArgs {
  /**
   * The site: its stack names the policies and tokens, its datacenter the agents' node identities.
   */
  spec: Pick<ConsulSiteSpec, "stack" | "consul">;
  /** The keys of the stack's services: the `catalog-read` token reads them. */
  services: readonly string[];
  /**
   * The task registrars' nodes and the services they register (`registrarRules`), where any run:
   * their token is made then (`registrarToken`).
   */
  taskRegistrars?: TaskRegistrarGrants;
  /** A provider holding the management token, pointed at the servers' API. */
  provider: consul.Provider;
  /** Exists once the servers have elected a leader (and so bootstrapped the ACL system). */
  leader: pulumi.Resource;
}

/** What the task registrars may write: their Consul nodes and the `marathon`-mode services' keys. */
export interface TaskRegistrarGrants {
  nodes: readonly string[];
  services: readonly string[];
}

/**
 * Consul's ACL objects of a stack: a policy and a token per client role (`CONSUL_ROLES`), and a
 * token per Consul agent (its node identity, and the slave-host service on slaves). The tokens'
 * values are read back as Pulumi secrets. An agent's token is declared when its agent is
 * (`nodeToken`), so it follows the agents' batches.
 */
export class ConsulAcl extends pulumi.ComponentResource {
  /** The value of each role's token (a secret). */
  public readonly roleTokens: Record<ConsulRole, pulumi.Output<string>>;
  /** The task registrars' token (a secret), where `taskRegistrars` is given. */
  public readonly registrarToken?: pulumi.Output<string>;
  private readonly key: string;
  private readonly stack: string;
  private readonly datacenter: string;
  private readonly slavePolicy: consul.AclPolicy;
  private readonly childOpts: pulumi.CustomResourceOptions;

  constructor(name: string, args: ConsulAclArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:consul:ConsulAcl", name, {}, opts);
    this.key = name;
    this.stack = args.spec.stack;
    this.datacenter = args.spec.consul.datacenter;
    this.childOpts = { parent: this, provider: args.provider, dependsOn: [args.leader] };
    const rules = roleRules(this.stack, args.services);
    const tokens: Partial<Record<ConsulRole, pulumi.Output<string>>> = {};
    for (const role of CONSUL_ROLES) {
      const policy = this.policy(`${name}-policy-${role}`, role, rules[role]);
      tokens[role] = this.token(`${name}-token-${role}`, {
        description: `${this.stack}: ${ROLE_PURPOSE[role]}`,
        policies: [policy.name],
      });
    }
    this.roleTokens = tokens as Record<ConsulRole, pulumi.Output<string>>;
    const grants = args.taskRegistrars;
    if (grants !== undefined) {
      const what = "task-registrar";
      const policy = this.policy(
        `${name}-policy-${what}`,
        what,
        registrarRules(grants.nodes, grants.services),
      );
      this.registrarToken = this.token(`${name}-token-${what}`, {
        description: `${this.stack}: the task registrars, Marathon's tasks into the catalog`,
        policies: [policy.name],
      });
    }
    this.slavePolicy = this.policy(`${name}-policy-slave-host`, "slave-host", slaveHostRules());
    this.registerOutputs({});
  }

  /** The token of the Consul agent on `host` (a secret): its node, and the slave-host service on a slave. */
  public nodeToken(host: HostSpec): pulumi.Output<string> {
    const slave = host.roles.includes("slave");
    return this.token(`${this.key}-node-${host.id}`, {
      description: `${this.stack}: the Consul agent of ${host.id}`,
      nodeIdentities: [
        { nodeName: consulNodeName({ stack: this.stack }, host.id), datacenter: this.datacenter },
      ],
      policies: slave ? [this.slavePolicy.name] : [],
    });
  }

  private policy(key: string, what: string, rules: string): consul.AclPolicy {
    return new consul.AclPolicy(
      key,
      { name: aclObjectName(this.stack, what), description: `${this.stack}: ${what}`, rules },
      this.childOpts,
    );
  }

  /** A token, and its value read back (the provider keeps only its accessor id). */
  private token(key: string, args: consul.AclTokenArgs): pulumi.Output<string> {
    const token = new consul.AclToken(key, args, this.childOpts);
    const read = consul.getAclTokenSecretIdOutput(
      { accessorId: token.accessorId },
      { parent: this, provider: this.childOpts.provider },
    );
    return pulumi.secret(read.secretId);
  }
}

/**
 * The shell command that makes a management token: a random UUID from /dev/urandom, in the form
 * Consul takes (8-4-4-4-12 hex digits). Portable to the machines `pulumi up` runs on.
 */
export const MANAGEMENT_TOKEN_COMMAND =
  "od -An -tx1 -N16 /dev/urandom | tr -d ' \\n' | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12})$/\\1-\\2-\\3-\\4-\\5/'";

/**
 * A management token made at the first `up` and kept in the stack as a secret: a local command
 * whose output is secret and never logged. It stays as long as the command resource does.
 */
export function generatedManagementToken(
  parent: pulumi.Resource,
  name: string,
): pulumi.Output<string> {
  return generatedSecret(parent, name, MANAGEMENT_TOKEN_COMMAND);
}
