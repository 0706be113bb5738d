// What the providers compute that the platform reads back, made up under Pulumi's mocks (a
// resource's computed outputs, a provider function's result): shared
// by the tests' mocks (test/support/mocks.ts) and the mocks of the scale benchmark
// (scripts/bench-scale.ts), which declare the same resources.
import type * as pulumi from "@pulumi/pulumi";

/**
 * What a command that makes a key and a certificate (`ConsulTls`) prints under the mocks: a PEM
 * key block and a PEM certificate block whose bodies are `<name>-key` and `<name>-cert`.
 */
export function mockKeyAndCertificate(name: string): string {
  return `-----BEGIN PRIVATE KEY-----\n${name}-key\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n${name}-cert\n-----END CERTIFICATE-----\n`;
}

/**
 * What the providers compute that the library reads, made up from the resource's name so tests
 * can name it: a local command's stdout (a key and certificate where it runs openssl), an ACL
 * token's accessor id.
 */
export function computedState(args: pulumi.runtime.MockResourceArgs): Record<string, string> {
  if (args.type === "command:local:Command")
    return {
      stdout: String(args.inputs.create ?? "").includes("openssl ")
        ? mockKeyAndCertificate(args.name)
        : `${args.name}-stdout\n`,
    };
  if (args.type === "consul:index/aclToken:AclToken")
    return { accessorId: `${args.name}-accessor` };
  return {};
}

/** What a provider function returns that the library reads: a Consul token's secret id, as Consul would give it for the token the accessor id names. */
export function computedCallResult(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  if (args.token === "consul:index/getAclTokenSecretId:getAclTokenSecretId")
    return { ...args.inputs, secretId: `${String(args.inputs.accessorId)}-secret` };
  return args.inputs;
}
