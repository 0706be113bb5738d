// A stack's orphans on a Docker Engine: the containers, networks and volumes labelled
// `platform.stack=<stack>` that the stack's state does not hold. They come from an `up` that was
// interrupted between Docker's create and the state's write, from the same stack run from another
// clone (each clone keeps its state in its own .pulumi-state) whose state is gone or was never
// destroyed, or from a host the stack forgot while it was down (taken out of `hosts` while in
// `lostHosts`, or the stack destroyed meanwhile: docs/site.md). Left, they make the next
// `pulumi up` fail (a container's name in use, the network's name taken) and `pulumi destroy`
// fail (a volume in use), and a forgotten slave's port guard keeps its ports closed.
//
//   tsx scripts/engine-orphans.ts STACK                 (run by `npm run up` before `pulumi up`)
//   npm run orphans -- STACK --host ssh://root@slave-3  (a host the stack forgot, once it is back)
//
// removes them, naming each, and prints nothing when there are none (with `--host`, says so); a
// port guard among them first removes its chain from the host's firewall (`platform-port-guard
// retire`). Containers Mesos started (`mesos-*`, not declared by the stack) are never touched.
import { execFileSync } from "node:child_process";
import { PORT_GUARD_COMMAND, PORT_GUARD_COMPONENT } from "../components/hosts/port-guard-names";

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

/** The label that names the part a container is (components/core/container-spec.ts). */
const COMPONENT_LABEL = "platform.component";

/**
 * Has every port guard among `containers` remove its chain and jumps from its host's firewall
 * (`platform-port-guard retire`, in its container, started first where it is stopped), so that
 * removing it leaves no rule that refuses another stack's balancers. Throws, naming the guard and
 * what it said, where one cannot: nothing has been removed then.
 */
function retireGuards(
  containers: EngineObjects["containers"],
  say: (line: string) => void,
  host?: string,
): void {
  if (containers.length === 0) return;
  const format = `{{.Id}} {{index .Config.Labels "${COMPONENT_LABEL}"}}`;
  const parts = docker(["inspect", "--format", format, ...containers.map((c) => c.id)], host);
  const guards = parts
    .filter((l) => l.endsWith(` ${PORT_GUARD_COMPONENT}`))
    .map((l) => l.split(" ")[0]);
  for (const id of guards) {
    const name = containers.find((c) => c.id === id)?.name ?? id;
    try {
      docker(["start", id], host);
      docker(["exec", id, PORT_GUARD_COMMAND, "retire"], host);
    } catch (e) {
      throw new Error(
        `the port guard ${name} did not remove its chain from its host's firewall, so nothing was removed: ${(e as Error).message}`,
      );
    }
    say(`  port guard ${name}: its chain removed from the host's firewall`);
  }
}

/**
 * Removes `orphans` from the engine (at `host`, else this machine's), containers first: they hold
 * the networks and volumes; a port guard among them retires its chain before (`retireGuards`).
 * `why` heads the list of what goes, one line each, given to `say`. Returns whether there was
 * anything to remove.
 */
export function removeOrphans(
  orphans: EngineObjects,
  why: string,
  say: (line: string) => void,
  host?: string,
): boolean {
  const { containers, networks, volumes } = orphans;
  if (containers.length + networks.length + volumes.length === 0) return false;
  say(
    `${why}: ${containers.length} container(s), ${networks.length} network(s) and ${volumes.length} volume(s); removing them`,
  );
  for (const c of containers) say(`  container ${c.name} (${c.id.slice(0, 12)})`);
  for (const n of networks) say(`  network ${n.name} (${n.id.slice(0, 12)})`);
  for (const v of volumes) say(`  volume ${v}`);
  retireGuards(containers, say, host);
  if (containers.length > 0) docker(["rm", "-f", "-v", ...containers.map((c) => c.id)], host);
  if (networks.length > 0) docker(["network", "rm", ...networks.map((n) => n.id)], host);
  if (volumes.length > 0) docker(["volume", "rm", ...volumes], host);
  return true;
}

/** The most a `pulumi stack export` may print here. */
export const STATE_BUFFER = 1024 * 1024 * 1024;

/** The command line: the stack, and the engine to clear (`--host`, else this machine's). */
export function orphansArgs(argv: readonly string[]): { stack: string; host?: string } {
  const usage = "usage: tsx scripts/engine-orphans.ts STACK [--host DOCKER_HOST]";
  const [stack, ...rest] = argv;
  if (!stack || stack.startsWith("-")) throw new Error(usage);
  if (rest.length === 0) return { stack };
  if (rest.length === 2 && rest[0] === "--host" && /^(ssh|tcp|unix):\/\/./.test(rest[1]))
    return { stack, host: rest[1] };
  throw new Error(`${usage} (DOCKER_HOST: ssh://, tcp:// or unix://, as a host's docker.host)`);
}

function main(): void {
  const { stack, host } = orphansArgs(process.argv.slice(2));
  const exported: unknown = JSON.parse(
    // A stack's state is megabytes (Node's default buffer, 1 MiB, is too small).
    execFileSync("pulumi", ["stack", "export", "--stack", stack], {
      encoding: "utf8",
      maxBuffer: STATE_BUFFER,
    }),
  );
  const orphans = orphansOf(engineObjectsOf(stack, host), idsInState(exported));
  const where = host ?? "this machine's engine";
  const why = `stack ${stack}: ${where} has what is labelled platform.stack=${stack} and this clone's state does not hold (an interrupted up, the stack run from another clone, or a host the stack forgot)`;
  const say = (line: string) => console.log(`${host === undefined ? "up" : "orphans"}: ${line}`);
  if (!removeOrphans(orphans, why, say, host) && host !== undefined)
    say(`${where} holds nothing of stack ${stack} that its state does not`);
}

if (require.main === module) main();
