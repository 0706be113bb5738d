// A stack's orphans on this machine's Docker Engine: the containers, networks and volumes labelled
// `platform.stack=<stack>` that the stack's state does not hold. They come from an `up` that was
// interrupted between Docker's create and the state's write, or from the same stack run from
// another clone (each clone keeps its state in its own .pulumi-state) whose state is gone or was
// never destroyed. Left, they make the next `pulumi up` fail (a container's name in use, the
// network's name taken) and `pulumi destroy` fail (a volume in use).
//
//   tsx scripts/engine-orphans.ts STACK        (run by `npm run up` before `pulumi up`)
//
// removes them, naming each, and prints nothing when there are none. Containers Mesos started
// (`mesos-*`, not declared by the stack) are never touched.
import { execFileSync } from "node:child_process";

/** What the engine has of a stack (ids from `docker ... --no-trunc`; volumes by name). */
export interface EngineObjects {
  containers: { id: string; name: string }[];
  networks: { id: string; name: string }[];
  volumes: string[];
}

/** A resource of `pulumi stack export`: its type and provider id. */
interface StateResource {
  type: string;
  id?: string;
}

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";

/** The provider ids of the stack's Docker containers, networks and volumes (a volume's is its name). */
export function idsInState(exported: unknown): Set<string> {
  const deployment = (exported as { deployment?: { resources?: StateResource[] } }).deployment;
  const held = (deployment?.resources ?? []).filter(
    (r) => r.id !== undefined && [CONTAINER, NETWORK, VOLUME].includes(r.type),
  );
  return new Set(held.map((r) => r.id!));
}

/** What the engine has of the stack that the state does not hold. */
export function orphansOf(engine: EngineObjects, inState: Set<string>): EngineObjects {
  return {
    containers: engine.containers.filter((c) => !inState.has(c.id) && !c.name.startsWith("mesos-")),
    networks: engine.networks.filter((n) => !inState.has(n.id)),
    volumes: engine.volumes.filter((v) => !inState.has(v)),
  };
}

/** `docker ARGS` on this machine's engine, or on `host` (`unix://...`, `ssh://...`); its lines. */
function docker(args: string[], host?: string): string[] {
  const on = host === undefined ? [] : ["-H", host];
  const out = execFileSync("docker", [...on, ...args], { encoding: "utf8" }).trim();
  return out === "" ? [] : out.split("\n");
}

function idAndName(line: string): { id: string; name: string } {
  const [id, name] = line.split(" ");
  return { id, name };
}

/**
 * The containers, networks and volumes of `stack` (of any stack when undefined) on this machine's
 * engine, or on the engine at `host`.
 */
export function engineObjectsOf(stack: string | undefined, host?: string): EngineObjects {
  const label = stack === undefined ? "platform.stack" : `platform.stack=${stack}`;
  const filter = ["--filter", `label=${label}`];
  const ls = (args: string[], format: string) =>
    docker([...args, ...filter, "--format", format], host);
  return {
    containers: ls(["ps", "-a", "--no-trunc"], "{{.ID}} {{.Names}}").map(idAndName),
    networks: ls(["network", "ls", "--no-trunc"], "{{.ID}} {{.Name}}").map(idAndName),
    volumes: ls(["volume", "ls"], "{{.Name}}"),
  };
}

/**
 * Removes `orphans` from the engine (at `host`, else this machine's), containers first: they hold
 * the networks and volumes. `why` heads the list of what goes, one line each, given to `say`.
 */
export function removeOrphans(
  orphans: EngineObjects,
  why: string,
  say: (line: string) => void,
  host?: string,
): void {
  const { containers, networks, volumes } = orphans;
  if (containers.length + networks.length + volumes.length === 0) return;
  say(
    `${why}: ${containers.length} container(s), ${networks.length} network(s) and ${volumes.length} volume(s); removing them`,
  );
  for (const c of containers) say(`  container ${c.name} (${c.id.slice(0, 12)})`);
  for (const n of networks) say(`  network ${n.name} (${n.id.slice(0, 12)})`);
  for (const v of volumes) say(`  volume ${v}`);
  if (containers.length > 0) docker(["rm", "-f", "-v", ...containers.map((c) => c.id)], host);
  if (networks.length > 0) docker(["network", "rm", ...networks.map((n) => n.id)], host);
  if (volumes.length > 0) docker(["volume", "rm", ...volumes], host);
}

/** The most a `pulumi stack export` may print here. */
export const STATE_BUFFER = 1024 * 1024 * 1024;

function main(): void {
  const stack = process.argv[2];
  if (!stack) throw new Error("usage: tsx scripts/engine-orphans.ts STACK");
  const exported: unknown = JSON.parse(
    // A stack's state is megabytes (Node's default buffer, 1 MiB, is too small).
    execFileSync("pulumi", ["stack", "export", "--stack", stack], {
      encoding: "utf8",
      maxBuffer: STATE_BUFFER,
    }),
  );
  const orphans = orphansOf(engineObjectsOf(stack), idsInState(exported));
  const why = `stack ${stack}: the engine has what is labelled platform.stack=${stack} and this clone's state does not hold (an interrupted up, or the stack run from another clone)`;
  removeOrphans(orphans, why, (line) => console.log(`up: ${line}`));
}

if (require.main === module) main();
