import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../core/container-spec";
import { goDuration } from "../core/go-duration";

/**
 * Maps a container spec onto the Docker provider's arguments. `secretFiles` are added as uploads
 * whose content stays secret; `network` is the platform network for containers not on the host network.
 */
export function toContainerArgs(
  spec: ContainerSpec,
  network: pulumi.Input<string> | undefined,
  secretFiles: { path: string; content: pulumi.Input<string> }[] = [],
): docker.ContainerArgs {
  const uploads: docker.types.input.ContainerUpload[] = (spec.files ?? []).map((f) => ({
    file: f.path,
    content: f.content,
    executable: f.executable ?? false,
  }));
  for (const f of secretFiles) uploads.push({ file: f.path, content: pulumi.secret(f.content) });
  const args: docker.ContainerArgs = {
    name: spec.name,
    image: spec.image,
    restart: spec.restart,
    labels: Object.entries(spec.labels ?? {}).map(([label, value]) => ({ label, value })),
    envs: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    uploads,
    mustRun: true,
    destroyGraceSeconds: spec.stopGraceSeconds ?? 10,
    stopTimeout: spec.stopGraceSeconds ?? 10,
  };
  if (spec.command) args.command = spec.command;
  if (spec.entrypoint) args.entrypoints = spec.entrypoint;
  if (spec.hostname) args.hostname = spec.hostname;
  if (spec.privileged) args.privileged = true;
  if (spec.user !== undefined) args.user = spec.user;
  return {
    ...args,
    ...limitArgs(spec),
    ...mountArgs(spec),
    healthcheck: healthcheckArgs(spec),
    ...networkArgs(spec, network),
  };
}

/** CPU and memory limits, where the spec sets them. */
function limitArgs(
  spec: ContainerSpec,
): Pick<docker.ContainerArgs, "cpus" | "memory" | "memorySwap"> {
  return {
    ...(spec.cpus !== undefined ? { cpus: String(spec.cpus) } : {}),
    // No swap beyond the memory limit; Docker would otherwise set twice the limit, and the
    // provider would read that back as a change on every preview.
    ...(spec.memoryMb !== undefined ? { memory: spec.memoryMb, memorySwap: spec.memoryMb } : {}),
  };
}

/** Published ports and mounted volumes, where the spec has any. */
function mountArgs(spec: ContainerSpec): Pick<docker.ContainerArgs, "ports" | "volumes"> {
  const ports = (spec.ports ?? []).map((p) => ({
    internal: p.internal,
    external: p.external,
    protocol: p.protocol ?? "tcp",
  }));
  const volumes = (spec.volumes ?? []).map((v) => ({
    volumeName: v.volume,
    hostPath: v.hostPath,
    containerPath: v.containerPath,
    readOnly: v.readOnly ?? false,
  }));
  return { ...(ports.length > 0 ? { ports } : {}), ...(volumes.length > 0 ? { volumes } : {}) };
}

/** The Docker health check, or none said explicitly. */
function healthcheckArgs(spec: ContainerSpec): docker.ContainerArgs["healthcheck"] {
  const h = spec.healthcheck;
  // Said explicitly when there is none: the provider keeps a check it no longer sees declared (the
  // field is optional and computed), so a container whose check was dropped would keep being
  // exec'd; and an image's own HEALTHCHECK is off too.
  if (h === undefined) return { tests: ["NONE"] };
  return {
    tests: h.test,
    interval: goDuration(h.intervalSeconds),
    timeout: goDuration(h.timeoutSeconds),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodSeconds),
    // No start interval: Docker refuses one below API 1.44 (Docker 20.10 speaks 1.41), and
    // nothing waits on a Docker health check anyway.
  };
}

/** The host's network stack, or the platform network with the spec's aliases and fixed address. */
function networkArgs(
  spec: ContainerSpec,
  network: pulumi.Input<string> | undefined,
): Pick<docker.ContainerArgs, "networkMode" | "networksAdvanced"> {
  if (spec.hostNetwork) return { networkMode: "host" };
  if (network === undefined) return {};
  return {
    networksAdvanced: [
      {
        name: network,
        aliases: spec.aliases ?? [],
        ...(spec.ipv4Address ? { ipv4Address: spec.ipv4Address } : {}),
      },
    ],
  };
}
