// `docker run -d` of a planned container on this machine's Engine, with the options the Docker
// provider is given for it (container-args.ts): labels, environment, hostname, user, privileges,
// volumes, entrypoint and command; its files are written under a directory and mounted read-only.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ContainerSpec,
  SecretName,
  secretPlaceholder,
  secretsIn,
} from "../../components/core/container-spec";
import { toContainerArgs } from "../../components/hosts/container-args";
import { docker } from "../../scripts/bench/probes";

/**
 * The fields of the provider's arguments that `docker run` is given here. A container spec holds
 * plain values only, so `toContainerArgs` of one (without a network or secret files) is plain too.
 */
interface PlainContainerArgs {
  labels: { label: string; value: string }[];
  envs: string[];
  hostname?: string;
  user?: string;
  privileged?: boolean;
  capabilities?: { drops: string[]; adds: string[] };
  securityOpts?: string[];
  volumes?: { volumeName?: string; hostPath?: string; containerPath: string; readOnly: boolean }[];
  entrypoints?: string[];
  command?: string[];
  stopSignal?: string;
}

/** `docker run` options for what the provider is declared to create. */
function dockerRunOptions(a: PlainContainerArgs): string[] {
  const options: string[] = [];
  for (const { label, value } of a.labels) options.push("--label", `${label}=${value}`);
  for (const env of a.envs) options.push("-e", env);
  if (a.hostname) options.push("--hostname", a.hostname);
  if (a.user !== undefined) options.push("--user", a.user);
  if (a.privileged) options.push("--privileged");
  for (const cap of a.capabilities?.drops ?? []) options.push("--cap-drop", cap);
  for (const cap of a.capabilities?.adds ?? []) options.push("--cap-add", cap);
  for (const opt of a.securityOpts ?? []) options.push("--security-opt", opt);
  if (a.stopSignal) options.push("--stop-signal", a.stopSignal);
  for (const v of a.volumes ?? [])
    options.push(
      "-v",
      `${v.hostPath ?? v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
    );
  return options;
}

/**
 * Runs `c` (its files written under `dir`, each secret's placeholder replaced by its value in
 * `secrets`, as `declareContainer` does), with `extra` options of `docker run`.
 */
export function runPlanned(
  c: ContainerSpec,
  dir: string,
  extra: string[] = [],
  secrets: Partial<Record<SecretName, string>> = {},
): void {
  const args = toContainerArgs(c, undefined) as unknown as PlainContainerArgs;
  const files = (c.files ?? []).flatMap((f, i) => {
    const path = join(dir, `${c.name}-${i}`);
    const content = secretsIn(f.content).reduce(
      (text, n) => text.split(secretPlaceholder(n)).join(secrets[n] ?? secretPlaceholder(n)),
      f.content,
    );
    writeFileSync(path, content, { mode: f.executable ? 0o755 : 0o644 });
    return ["-v", `${path}:${f.path}:ro`];
  });
  const entrypoint = args.entrypoints ?? [];
  docker(
    "run",
    "-d",
    "--name",
    c.name,
    ...extra,
    ...dockerRunOptions(args),
    ...files,
    ...(entrypoint.length > 0 ? ["--entrypoint", entrypoint[0]] : []),
    c.image,
    ...entrypoint.slice(1),
    ...(args.command ?? []),
  );
}
