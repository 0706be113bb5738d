import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../core/container-spec";
import { goDuration } from "../core/go-duration";

/**
 * Maps a container spec onto the Docker provider's arguments. `secretFiles` are added as uploads
 * whose content stays secret; `network` is the platform network for containers not on the host network.
 */
export function toContainerArgs(
  containerSpec: ContainerSpec,
  network: pulumi.Input<string> | undefined,
  secretFiles: { path: string; content: pulumi.Input<string> }[] = [],
): docker.ContainerArgs {
  const uploads: docker.types.input.ContainerUpload[] = (containerSpec.files ?? []).map((f) => ({
    file: f.path,
    content: f.content,
    executable: f.executable ?? false,
  }));
  for (const f of secretFiles) uploads.push({ file: f.path, content: pulumi.secret(f.content) });
  const args: docker.ContainerArgs = {
    name: containerSpec.name,
    image: containerSpec.image,
    restart: containerSpec.restart,
    labels: Object.entries(containerSpec.labels ?? {}).map(([label, value]) => ({ label, value })),
    envs: Object.entries(containerSpec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    uploads,
    mustRun: true,
    destroyGraceSeconds: containerSpec.stopGraceSeconds ?? 10,
    stopTimeout: containerSpec.stopGraceSeconds ?? 10,
  };
  if (containerSpec.command) args.command = containerSpec.command;
  if (containerSpec.entrypoint) args.entrypoints = containerSpec.entrypoint;
  if (containerSpec.hostname) args.hostname = containerSpec.hostname;
  if (containerSpec.privileged) args.privileged = true;
  else {
    // Least privilege: every capability the part does not name is dropped, and nothing in the
    // container can gain more (setuid binaries, file capabilities).
    args.capabilities = { drops: ["ALL"], adds: [...(containerSpec.capabilities ?? [])] };
    args.securityOpts = [
      "no-new-privileges:true",
      ...(containerSpec.readsHostFiles ? ["label=disable"] : []),
    ];
  }
  if (containerSpec.user !== undefined) args.user = containerSpec.user;
  if (containerSpec.stopSignal !== undefined) args.stopSignal = containerSpec.stopSignal;
  return {
    ...args,
    ...limitArgs(containerSpec),
    ...mountArgs(containerSpec),
    healthcheck: healthcheckArgs(containerSpec),
    ...networkArgs(containerSpec, network),
  };
}

/**
 * Docker's CPU shares for `cpus` CPUs: 1024 a CPU, the weight Mesos's Docker containerizer gives
 * a task (at least Docker's least, 2).
 */
export function cpuSharesOf(cpus: number): number {
  return Math.max(2, Math.round(1024 * cpus));
}

/**
 * CPU and memory, where the container spec sets them. The CPUs are a weight, not a cap: under
 * contention a container gets CPU time in proportion to its shares, and while its host has room
 * it may use more. That is what Mesos gives a task's `cpus` (without CFS quotas, as the platform's
 * Marathon-mode services run), and it spares an instance the CFS throttling of a cap: a DIRAC
 * start (about 0.7 s of CPU, 4.8 s under a cap of 0.15) or a burst of calls runs at the speed the
 * host can give it. Memory is a hard limit.
 */
function limitArgs(
  containerSpec: ContainerSpec,
): Pick<docker.ContainerArgs, "cpuShares" | "memory" | "memorySwap"> {
  return {
    ...(containerSpec.cpus !== undefined ? { cpuShares: cpuSharesOf(containerSpec.cpus) } : {}),
    // No swap beyond the memory limit; Docker would otherwise set twice the limit, and the
    // provider would read that back as a change on every preview.
    ...(containerSpec.memoryMb !== undefined
      ? { memory: containerSpec.memoryMb, memorySwap: containerSpec.memoryMb }
      : {}),
  };
}

/** Published ports and mounted volumes, where the container spec has any. */
function mountArgs(containerSpec: ContainerSpec): Pick<docker.ContainerArgs, "ports" | "volumes"> {
  const ports = (containerSpec.ports ?? []).map((p) => ({
    internal: p.internal,
    external: p.external,
    protocol: p.protocol ?? "tcp",
  }));
  const volumes = (containerSpec.volumes ?? []).map((v) => ({
    volumeName: v.volume,
    hostPath: v.hostPath,
    containerPath: v.containerPath,
    readOnly: v.readOnly ?? false,
  }));
  return { ...(ports.length > 0 ? { ports } : {}), ...(volumes.length > 0 ? { volumes } : {}) };
}

/** The Docker health check, or none said explicitly. */
function healthcheckArgs(containerSpec: ContainerSpec): docker.ContainerArgs["healthcheck"] {
  const h = containerSpec.healthcheck;
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

/** The host's network stack, or the platform network with the container spec's aliases and fixed address. */
function networkArgs(
  containerSpec: ContainerSpec,
  network: pulumi.Input<string> | undefined,
): Pick<docker.ContainerArgs, "networkMode" | "networksAdvanced" | "hosts"> {
  if (containerSpec.hostNetwork) return { networkMode: "host" };
  const extraHosts = Object.entries(containerSpec.extraHosts ?? {});
  const hosts =
    extraHosts.length > 0 ? { hosts: extraHosts.map(([host, ip]) => ({ host, ip })) } : {};
  if (network === undefined) return hosts;
  return {
    ...hosts,
    networksAdvanced: [
      {
        name: network,
        aliases: containerSpec.aliases ?? [],
        ...(containerSpec.ipv4Address ? { ipv4Address: containerSpec.ipv4Address } : {}),
      },
    ],
  };
}
