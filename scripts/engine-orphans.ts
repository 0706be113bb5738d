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

function docker(args: string[]): string[] {
  const out = execFileSync("docker", args, { encoding: "utf8" }).trim();
  return out === "" ? [] : out.split("\n");
}

function idAndName(line: string): { id: string; name: string } {
  const [id, name] = line.split(" ");
  return { id, name };
}

/** The containers, networks and volumes of `stack` on this machine's engine. */
export function engineObjectsOf(stack: string): EngineObjects {
  const label = ["--filter", `label=platform.stack=${stack}`, "--no-trunc"];
  return {
    containers: docker(["ps", "-a", ...label, "--format", "{{.ID}} {{.Names}}"]).map(idAndName),
    networks: docker(["network", "ls", ...label, "--format", "{{.ID}} {{.Name}}"]).map(idAndName),
    volumes: docker([
      "volume",
      "ls",
      "--filter",
      `label=platform.stack=${stack}`,
      "--format",
      "{{.Name}}",
    ]),
  };
}

/** Removes `orphans` from the engine (containers first: they hold the network and volumes). */
export function removeOrphans(stack: string, orphans: EngineObjects, say: (s: string) => void) {
  const { containers, networks, volumes } = orphans;
  if (containers.length + networks.length + volumes.length === 0) return;
  say(
    `stack ${stack}: the engine has ${containers.length} container(s), ${networks.length} network(s) and ${volumes.length} volume(s) labelled platform.stack=${stack} that this clone's state does not hold (an interrupted up, or the stack run from another clone); removing them`,
  );
  for (const c of containers) say(`  container ${c.name} (${c.id.slice(0, 12)})`);
  for (const n of networks) say(`  network ${n.name} (${n.id.slice(0, 12)})`);
  for (const v of volumes) say(`  volume ${v}`);
  if (containers.length > 0) docker(["rm", "-f", "-v", ...containers.map((c) => c.id)]);
  if (networks.length > 0) docker(["network", "rm", ...networks.map((n) => n.id)]);
  if (volumes.length > 0) docker(["volume", "rm", ...volumes]);
}

function main(): void {
  const stack = process.argv[2];
  if (!stack) throw new Error("usage: tsx scripts/engine-orphans.ts STACK");
  const exported: unknown = JSON.parse(
    execFileSync("pulumi", ["stack", "export", "--stack", stack], { encoding: "utf8" }),
  );
  const orphans = orphansOf(engineObjectsOf(stack), idsInState(exported));
  removeOrphans(stack, orphans, (s) => console.log(`up: ${s}`));
}

if (require.main === module) main();
