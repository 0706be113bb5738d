import type { ContainerSpec } from "../core/container-spec";
import { containerCreateBody } from "./container-create-body";
import { HttpEndpoint, HttpRequestOptions, HttpResponse, hasStatus, httpError, httpRequest } from "./http-request";
import { buildTar, parentDirs, relativeTarPath, TarFile } from "./ustar";

/**
 * A minimal Docker Engine API client (plain functions, see http-request.ts for why).
 * The API version is negotiated once per engine: the engine's own, at most 1.44 (Docker 25+, the
 * first that honours `Healthcheck.StartInterval`), at least 1.41 (Docker 20.10).
 */
export const DOCKER_API_MIN = "1.41";
export const DOCKER_API_MAX = "1.44";

/** Compares `major.minor` API versions. */
export function compareApiVersions(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** The version to speak with an engine whose API version is `server`. */
export function negotiateApiVersion(server: string): string {
  if (compareApiVersions(server, DOCKER_API_MIN) < 0) throw new Error(`Docker Engine API ${server} is too old: ${DOCKER_API_MIN} (Docker 20.10) or newer is needed`);
  return compareApiVersions(server, DOCKER_API_MAX) > 0 ? DOCKER_API_MAX : server;
}

/** `/v1.xx` for the engine, asked once per process (cached on globalThis, which closure serialization leaves alone). */
export async function dockerApiPrefix(dockerHost: string): Promise<string> {
  const g = globalThis as { __dynamicDockerApiPrefix?: Record<string, string> };
  const cache = (g.__dynamicDockerApiPrefix ??= {});
  const cached = cache[dockerHost];
  if (cached !== undefined) return cached;
  const res = await httpRequest(dockerEndpoint(dockerHost), "GET", "/version", { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`docker GET /version at ${dockerHost}: HTTP ${res.status}: ${res.body.trim()}`);
  const prefix = `/v${negotiateApiVersion((JSON.parse(res.body) as { ApiVersion: string }).ApiVersion)}`;
  cache[dockerHost] = prefix;
  return prefix;
}

/** `unix:///var/run/docker.sock` (or a bare socket path) or `tcp://host:port`; empty means the default socket. */
export function dockerEndpoint(dockerHost: string | undefined): HttpEndpoint {
  const h = dockerHost ?? "";
  if (h === "") return { socketPath: "/var/run/docker.sock" };
  if (h.startsWith("unix://")) return { socketPath: h.slice("unix://".length) };
  if (h.startsWith("/")) return { socketPath: h };
  const m = /^(?:tcp|http):\/\/\[?([^\]/]+?)\]?:(\d+)\/?$/.exec(h);
  if (m) return { host: m[1], port: Number(m[2]) };
  throw new Error(`unsupported docker host ${JSON.stringify(h)}: expected unix:///path or tcp://host:port`);
}

/** One Engine API call; non-2xx answers (other than those in `okStatuses`) throw with the daemon's message and the status. */
export async function dockerCall(dockerHost: string, method: string, path: string, options: HttpRequestOptions = {}, okStatuses: number[] = []): Promise<HttpResponse> {
  const res = await httpRequest(dockerEndpoint(dockerHost), method, `${await dockerApiPrefix(dockerHost)}${path}`, options);
  if ((res.status >= 200 && res.status < 300) || okStatuses.includes(res.status)) return res;
  let message = res.body.trim();
  try {
    message = (JSON.parse(res.body) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the raw text
  }
  throw httpError(`docker ${method} ${path}: HTTP ${res.status}: ${message}`, res.status);
}

function jsonOf<T>(res: HttpResponse): T {
  return JSON.parse(res.body) as T;
}

// ---- images ----

/** Fails with a clear message when the image is not in the local engine (nothing is ever pulled). */
export async function requireImage(dockerHost: string, image: string): Promise<void> {
  try {
    await dockerCall(dockerHost, "GET", `/images/${encodeURIComponent(image)}/json`);
  } catch (e) {
    if (hasStatus(e, 404)) throw new Error(`image ${image} is not present in the Docker Engine at ${dockerHost} (no registry pull is done: build or load it first)`);
    throw e;
  }
}

// ---- containers ----

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Image: string; Env: string[] | null; Labels: Record<string, string> | null; Hostname: string };
  HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number }; NetworkMode: string; Binds: string[] | null; NanoCpus: number; Memory: number; Privileged: boolean };
  State: { Status: string; Running: boolean; ExitCode: number; Error: string; Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] | null } };
  NetworkSettings: { IPAddress: string; Networks: Record<string, { IPAddress: string; Aliases: string[] | null }> | null };
}

/** Creates the container (removing a leftover of the same name first); returns its id. */
export async function createContainer(dockerHost: string, spec: ContainerSpec, network?: string, extraEnv: Record<string, string> = {}): Promise<string> {
  await requireImage(dockerHost, spec.image);
  await removeContainer(dockerHost, spec.name, true, true);
  const body = containerCreateBody({ ...spec, env: { ...(spec.env ?? {}), ...extraEnv } }, network);
  const res = await dockerCall(dockerHost, "POST", `/containers/create?name=${encodeURIComponent(spec.name)}`, { json: body });
  return jsonOf<{ Id: string }>(res).Id;
}

/** Uploads a tar archive, extracted at `path` in the container (created or running). */
export async function putArchive(dockerHost: string, id: string, tar: Buffer, path = "/"): Promise<void> {
  await dockerCall(dockerHost, "PUT", `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`, { raw: { data: tar, contentType: "application/x-tar" } });
}

/** Whether `path` exists in the container's filesystem (`HEAD …/archive`). */
export async function pathExists(dockerHost: string, id: string, path: string): Promise<boolean> {
  const res = await dockerCall(dockerHost, "HEAD", `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`, {}, [404]);
  return res.status !== 404;
}

/**
 * Uploads files to `/` with full paths. Parent directories that already exist get no tar entry
 * (an entry would reset their mode and owner); missing ones are created 0755.
 */
export async function uploadFiles(dockerHost: string, id: string, files: TarFile[]): Promise<void> {
  if (files.length === 0) return;
  const dirs = [...new Set(files.flatMap((f) => parentDirs(relativeTarPath(f.path))))];
  const existing = new Set<string>();
  for (const d of dirs) if (await pathExists(dockerHost, id, `/${d}`)) existing.add(d);
  await putArchive(dockerHost, id, buildTar(files, { existingDirs: existing }), "/");
}

export async function startContainer(dockerHost: string, id: string): Promise<void> {
  await dockerCall(dockerHost, "POST", `/containers/${encodeURIComponent(id)}/start`, {}, [304]);
}

export async function inspectContainer(dockerHost: string, id: string): Promise<ContainerInspect> {
  return jsonOf<ContainerInspect>(await dockerCall(dockerHost, "GET", `/containers/${encodeURIComponent(id)}/json`));
}

/** The command of a health check test as an exec runs it: `["CMD", …]` as is, `["CMD-SHELL", cmd]` through `/bin/sh -c`. */
export function healthTestCommand(test: string[]): string[] | undefined {
  if (test[0] === "CMD") return test.slice(1);
  if (test[0] === "CMD-SHELL") return ["/bin/sh", "-c", test.slice(1).join(" ")];
  return undefined;
}

/** Runs `cmd` in the running container (`docker exec`) and returns its exit code; undefined if it did not end within `timeoutMs`. */
export async function execExitCode(dockerHost: string, id: string, cmd: string[], timeoutMs: number): Promise<number | undefined> {
  const created = jsonOf<{ Id: string }>(await dockerCall(dockerHost, "POST", `/containers/${encodeURIComponent(id)}/exec`, { json: { Cmd: cmd, AttachStdout: false, AttachStderr: false } }));
  await dockerCall(dockerHost, "POST", `/exec/${created.Id}/start`, { json: { Detach: true } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = jsonOf<{ Running: boolean; ExitCode: number | null }>(await dockerCall(dockerHost, "GET", `/exec/${created.Id}/json`));
    if (!e.Running && e.ExitCode !== null) return e.ExitCode;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the container is healthy; fails on an exited container or the timeout, with the
 * last check output. Healthy is Docker's own status, or, sooner, the same check test run by this
 * function every `pollMs` (`probe`): Docker runs its first check only one `interval` after the
 * start (this Engine has no start interval), which would hold every start by that much.
 */
export async function waitHealthy(dockerHost: string, id: string, timeoutMs: number, pollMs = 250, probe?: { test: string[]; timeoutSeconds: number }): Promise<ContainerInspect> {
  const deadline = Date.now() + timeoutMs;
  const cmd = probe && healthTestCommand(probe.test);
  for (;;) {
    const c = await inspectContainer(dockerHost, id);
    const health = c.State.Health;
    const log = health?.Log ?? [];
    const last = log.length > 0 ? `; last check (exit ${log[log.length - 1].ExitCode}): ${log[log.length - 1].Output.trim()}` : "";
    if (health === undefined) throw new Error(`container ${id} has no health check to wait for`);
    if (health.Status === "healthy") return c;
    // "unhealthy" is not final: on a loaded host checks time out and later pass again, so the
    // wait goes on until the deadline, which then reports the last check.
    if (!c.State.Running) throw new Error(`container ${id} stopped (${c.State.Status}, exit code ${c.State.ExitCode}${c.State.Error ? `, ${c.State.Error}` : ""}) before it was healthy${last}`);
    if (cmd && (await execExitCode(dockerHost, id, cmd, probe!.timeoutSeconds * 1000).catch(() => undefined)) === 0) return c;
    if (Date.now() >= deadline) throw new Error(`container ${id} is ${health.Status}, not healthy within ${Math.round(timeoutMs / 1000)} s${last}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Stops with SIGTERM, then SIGKILL after `graceSeconds`. Already stopped is fine. */
export async function stopContainer(dockerHost: string, id: string, graceSeconds: number): Promise<void> {
  await dockerCall(dockerHost, "POST", `/containers/${encodeURIComponent(id)}/stop?t=${Math.max(0, Math.round(graceSeconds))}`, { timeoutMs: (graceSeconds + 60) * 1000 }, [304]);
}

/** Removes the container (and its anonymous volumes); `ignoreMissing` turns 404 into a no-op. */
export async function removeContainer(dockerHost: string, id: string, force: boolean, ignoreMissing = false): Promise<void> {
  await dockerCall(dockerHost, "DELETE", `/containers/${encodeURIComponent(id)}?force=${force}&v=true`, {}, ignoreMissing ? [404] : []);
}

// ---- networks ----

export interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
}

/** A bridge network, attachable, with the labels; returns its id. */
export async function createNetwork(dockerHost: string, name: string, labels: Record<string, string> = {}): Promise<string> {
  const res = await dockerCall(dockerHost, "POST", "/networks/create", { json: { Name: name, Driver: "bridge", Attachable: true, CheckDuplicate: true, Labels: labels } });
  return jsonOf<{ Id: string }>(res).Id;
}

export async function inspectNetwork(dockerHost: string, name: string): Promise<NetworkInspect> {
  return jsonOf<NetworkInspect>(await dockerCall(dockerHost, "GET", `/networks/${encodeURIComponent(name)}`));
}

export async function removeNetwork(dockerHost: string, name: string, ignoreMissing = false): Promise<void> {
  await dockerCall(dockerHost, "DELETE", `/networks/${encodeURIComponent(name)}`, {}, ignoreMissing ? [404] : []);
}

// ---- volumes ----

export interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
}

export async function createVolume(dockerHost: string, name: string, labels: Record<string, string> = {}): Promise<VolumeInspect> {
  return jsonOf<VolumeInspect>(await dockerCall(dockerHost, "POST", "/volumes/create", { json: { Name: name, Driver: "local", Labels: labels } }));
}

export async function inspectVolume(dockerHost: string, name: string): Promise<VolumeInspect> {
  return jsonOf<VolumeInspect>(await dockerCall(dockerHost, "GET", `/volumes/${encodeURIComponent(name)}`));
}

export async function removeVolume(dockerHost: string, name: string, ignoreMissing = false): Promise<void> {
  await dockerCall(dockerHost, "DELETE", `/volumes/${encodeURIComponent(name)}`, {}, ignoreMissing ? [404] : []);
}
