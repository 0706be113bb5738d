// `docker run -d` of a planned container on this machine's Engine, as the Docker provider runs it:
// its labels, environment, hostname, user, privileges, files, volumes, entrypoint and command.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerSpec } from "../../components/core/container-spec";
import { docker } from "../../scripts/bench/probes";

/** Runs `c` (its files written under `dir`), with `extra` options of `docker run`. */
export function runPlanned(c: ContainerSpec, dir: string, extra: string[] = []): void {
  const args = ["run", "-d", "--name", c.name, ...extra];
  for (const [k, v] of Object.entries(c.labels ?? {})) args.push("--label", `${k}=${v}`);
  for (const [k, v] of Object.entries(c.env ?? {})) args.push("-e", `${k}=${v}`);
  if (c.hostname) args.push("--hostname", c.hostname);
  if (c.user) args.push("--user", c.user);
  // As container-args.ts declares it: privileged, or every capability the part does not name dropped.
  if (c.privileged) args.push("--privileged");
  else {
    args.push("--cap-drop", "ALL", "--security-opt", "no-new-privileges");
    if (c.readsHostFiles) args.push("--security-opt", "label=disable");
    for (const cap of c.capabilities ?? []) args.push("--cap-add", cap);
  }
  for (const [i, f] of (c.files ?? []).entries()) {
    const path = join(dir, `${c.name}-${i}`);
    writeFileSync(path, f.content);
    args.push("-v", `${path}:${f.path}:ro`);
  }
  for (const v of c.volumes ?? [])
    args.push("-v", `${v.hostPath ?? v.volume}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
  if (c.entrypoint) args.push("--entrypoint", c.entrypoint[0]);
  docker(...args, c.image, ...(c.entrypoint?.slice(1) ?? []), ...(c.command ?? []));
}
