import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../core/container-spec";
import { LocalCommand } from "../core/local-command";
import { containerAddress, ContainerResource, keptLike } from "./declare-container";

/**
 * A step run where `pulumi up` runs that waits on a container's part (core/readiness.ts,
 * core/quorum-probe.ts): created once its command passes, and again whenever the container is
 * replaced; deleted (running `delete`, if any) before the container stops. Replaced in its place
 * unless `deleteBeforeReplace` is false (a container replaced beside the old one). Kept as
 * deployed where its container is (on a failed host): its probe would wait for a host that is down.
 */
export function containerReadiness(
  parent: pulumi.Resource,
  name: string,
  container: ContainerResource,
  command: {
    create: string;
    /** Run on a change of the environment alone (the container unchanged); `create` where not given. */
    update?: string;
    delete?: string;
    environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
    deleteBeforeReplace?: boolean;
    /** What else the step waits for, besides the container. */
    dependsOn?: pulumi.Resource[];
  },
): LocalCommand {
  const { deleteBeforeReplace = true, dependsOn = [], ...args } = command;
  return new LocalCommand(
    name,
    { ...args, triggers: [container.id] },
    {
      ...keptLike(container),
      parent,
      dependsOn: [container, ...dependsOn],
      deleteBeforeReplace,
    },
  );
}

/**
 * `at(address)` for the address the machine running `pulumi up` reaches a container's part at:
 * the container's address on the local stack's network (known once it runs), its host's address
 * at a site (a plain value there, no Output to resolve).
 */
export function atProbeAddress<T>(
  where: {
    local: boolean;
    container: ContainerResource;
    containerSpec: ContainerSpec;
    hostAddress: string;
  },
  at: (address: string) => T,
): pulumi.Input<T> {
  return where.local
    ? containerAddress(where.container, where.containerSpec).apply(at)
    : at(where.hostAddress);
}
