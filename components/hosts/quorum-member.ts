import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../core/local-command";
import {
  CONSUL_HANDOVER_COMMAND,
  QUORUM_PROBE_COMMAND,
  QuorumMemberTarget,
  quorumProbeEnvironment,
} from "../core/quorum-probe";
import { commandTrustingCa, probeCaEnvironment } from "../core/readiness";
import { containerReadiness } from "./container-readiness";
import { ContainerResource } from "./declare-container";

/**
 * How what runs where `pulumi up` runs (the probes, the handover, the library's provider) asks
 * Consul where its ACLs or its TLS are on.
 */
export interface ConsulProbeAccess {
  /** The management token (a secret). */
  token?: pulumi.Input<string>;
  /** The CA the servers' HTTPS certificates are checked against (PEM), where TLS is on. */
  caCert?: pulumi.Input<string>;
}

/**
 * The readiness of one quorum member (core/quorum-probe.ts): created once the member serves in
 * its quorum again, and again whenever its container is replaced (a Consul server hands its
 * leadership over before it stops). The next member's container depends on it, so the members
 * are replaced one after another.
 */
export function quorumMemberReady(
  parent: pulumi.Resource,
  name: string,
  container: ContainerResource,
  target: QuorumMemberTarget,
  consul: ConsulProbeAccess = {},
): LocalCommand {
  const tls = (command: string) => commandTrustingCa(command, consul.caCert);
  return containerReadiness(parent, `${name}-ready`, container, {
    create: tls(QUORUM_PROBE_COMMAND),
    // Deleted just before the container stops: a leading Consul server hands its leadership over.
    ...(target.kind === "consul" ? { delete: tls(CONSUL_HANDOVER_COMMAND) } : {}),
    environment: {
      ...quorumProbeEnvironment(target),
      ...(consul.token !== undefined ? { CONSUL_HTTP_TOKEN: consul.token } : {}),
      ...probeCaEnvironment(consul.caCert),
    },
  });
}
