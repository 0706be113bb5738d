import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../core/local-command";
import {
  CONSUL_HANDOVER_COMMAND,
  QUORUM_PROBE_COMMAND,
  QuorumMemberTarget,
  quorumProbeEnvironment,
} from "../core/quorum-probe";
import { containerReadiness } from "./container-readiness";
import { ContainerResource } from "./declare-container";

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
  /** The Consul token the handover is made with, where Consul's ACLs are on (a secret). */
  consulToken?: pulumi.Input<string>,
): LocalCommand {
  const environment = quorumProbeEnvironment(target);
  return containerReadiness(parent, `${name}-ready`, container, {
    create: QUORUM_PROBE_COMMAND,
    // Deleted just before the container stops: a leading Consul server hands its leadership over.
    ...(target.kind === "consul" ? { delete: CONSUL_HANDOVER_COMMAND } : {}),
    environment:
      consulToken === undefined ? environment : { ...environment, CONSUL_HTTP_TOKEN: consulToken },
  });
}
