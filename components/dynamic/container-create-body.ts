import type { ContainerSpec } from "../core/container-spec";

/**
 * The body of the Docker Engine API's `POST /containers/create` for a container spec: the same
 * semantics as `toContainerArgs` (hosts/container-args.ts) gives the Docker provider.
 */

/** Seconds as the nanoseconds the Engine API takes for durations. */
export function nanoseconds(seconds: number): number {
  return Math.round(seconds * 1e9);
}

/** Seconds to wait for a `waitHealthy` container, as the Docker provider's `waitTimeout` computes it. */
export function healthyTimeoutSeconds(spec: ContainerSpec): number {
  const h = spec.healthcheck;
  if (h === undefined) return 60;
  return Math.max(60, Math.ceil(h.startPeriodSeconds + h.intervalSeconds * (h.retries + 2)));
}

/** Bind strings: `volume:/path` for a named volume, `/host:/path` for a host path, `:ro` when read-only. */
export function containerBinds(spec: ContainerSpec): string[] {
  return (spec.volumes ?? []).map((v) => {
    const source = v.volume ?? v.hostPath;
    if (source === undefined || source === "") throw new Error(`container ${spec.name}: volume at ${v.containerPath} has neither a volume name nor a host path`);
    return `${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`;
  });
}

/**
 * `network` is the user-defined network of a container not on the host network; without one such a
 * container stays on Docker's default bridge. Ports without `external` are exposed, not published.
 */
export function containerCreateBody(spec: ContainerSpec, network?: string): Record<string, unknown> {
  const body: Record<string, unknown> = { Image: spec.image };
  if (spec.command) body.Cmd = spec.command;
  if (spec.entrypoint) body.Entrypoint = spec.entrypoint;
  body.Env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
  body.Labels = { ...(spec.labels ?? {}) };
  if (spec.hostname) body.Hostname = spec.hostname;
  if (spec.user !== undefined) body.User = spec.user;
  body.StopTimeout = spec.stopGraceSeconds ?? 10;

  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[key] = {};
    if (p.external !== undefined && !spec.hostNetwork) (bindings[key] ??= []).push({ HostIp: "", HostPort: String(p.external) });
  }
  if (Object.keys(exposed).length > 0) body.ExposedPorts = exposed;

  if (spec.healthcheck) {
    const h = spec.healthcheck;
    body.Healthcheck = {
      Test: h.test,
      Interval: nanoseconds(h.intervalSeconds),
      Timeout: nanoseconds(h.timeoutSeconds),
      StartPeriod: nanoseconds(h.startPeriodSeconds),
      StartInterval: nanoseconds(Math.min(1, h.intervalSeconds)),
      Retries: h.retries,
    };
  }

  const hostConfig: Record<string, unknown> = {
    Binds: containerBinds(spec),
    PortBindings: bindings,
    RestartPolicy: { Name: spec.restart, MaximumRetryCount: 0 },
    Privileged: spec.privileged ?? false,
  };
  if (spec.cpus !== undefined) hostConfig.NanoCpus = Math.round(spec.cpus * 1e9);
  if (spec.memoryMb !== undefined) hostConfig.Memory = spec.memoryMb * 1024 * 1024;
  if (spec.hostNetwork) hostConfig.NetworkMode = "host";
  else if (network !== undefined) {
    hostConfig.NetworkMode = network;
    body.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: spec.aliases ?? [] } } };
  }
  body.HostConfig = hostConfig;
  return body;
}
