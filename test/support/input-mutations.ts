// Seeded mutations of a stack file's entries and a catalog, for the fuzz test of the validation:
// values that other programs would misread (separators, templates, line breaks), numbers at and
// past every bound, ports of the platform's own parts, deleted and duplicated entries, unknown
// keys, and values moved from one place to another. Deterministic for a seed.

/** The catalog generator's seeded PRNG: the same seed gives the same cases. */
export { seededRandom as prng } from "../../components/core/catalog-generator";

type Json = unknown;

/** Keys whose values end up in other programs' files, flags and names. */
const TELLING_KEYS = new Set([
  "port",
  "statsPort",
  "address",
  "id",
  "name",
  "image",
  "registry",
  "labels",
  "constraints",
  "schedule",
  "http",
  "bridgePath",
  "host",
  "cpus",
  "memoryMb",
  "instances",
  "roles",
  "mode",
  "failedHosts",
]);
type Key = string | number;

/** Values that reach other programs' files and command lines, and numbers around every bound. */
export const HOSTILE_VALUES: readonly Json[] = [
  "",
  " ",
  "a b",
  "a:b",
  "a;b",
  "a,b",
  "é",
  "UPPER",
  "x\ny",
  "x\r\nserver.9=evil:2888:3888",
  '{{ key "x" }}',
  "$(id)",
  "`id`",
  "a#b",
  "../../etc/passwd",
  "x".repeat(70),
  "ssh://root@h;id",
  "tcp://h.example.org:2375",
  "0 0 30 2 *",
  "* * * *",
  "/ping\n    server evil 1.2.3.4:80",
  "Registry.Example.org/Lhcb",
  "lhcb/svc x:1",
  0,
  -1,
  0.5,
  1,
  1.5,
  3,
  1e308,
  -1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  65535,
  65536,
  55536,
  31500,
  // Ports of the platform's own parts.
  2181,
  2888,
  3888,
  5050,
  5051,
  8080,
  8088,
  8300,
  8301,
  8404,
  8500,
  8501,
  8600,
  3000,
  4400,
  5044,
  8086,
  9600,
  null,
  true,
  [],
  {},
  ["master"],
  ["slave", "lb"],
  { disk: "ssd" },
];

/** Every path to a node of `value` (objects' keys and arrays' indexes), the root excluded. */
export function nodePaths(value: Json, prefix: Key[] = []): Key[][] {
  if (value === null || typeof value !== "object") return [];
  const entries: [Key, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, Json>);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...nodePaths(v, [...prefix, k])]);
}

function get(root: Json, path: Key[]): Json {
  return path.reduce<Json>((node, k) => (node as Record<Key, Json>)[k], root);
}

/** The container of the node at `path`, and its key there. */
function parentOf(root: Json, path: Key[]): { parent: Record<Key, Json> | Json[]; key: Key } {
  return {
    parent: get(root, path.slice(0, -1)) as Record<Key, Json>,
    key: path[path.length - 1],
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)];

/** A description of one mutation, to print the case that failed. */
export type Mutation = string;

/**
 * Applies one mutation to `root` (in place) at a random node: a hostile value, another node's
 * value of the same type, a number moved past a bound, the node deleted, an array element
 * duplicated, or an unknown key added. Returns what it did.
 */
export function mutateOnce(root: Json, random: () => number): Mutation {
  const paths = nodePaths(root);
  if (paths.length === 0) return "nothing to mutate";
  // Half the time a node whose value reaches another program (ports, addresses, names, images,
  // labels, schedules, paths, sizes): random nodes are mostly elsewhere.
  const telling = paths.filter((p) => TELLING_KEYS.has(String(p[p.length - 1])));
  const path = pick(random, random() < 0.5 && telling.length > 0 ? telling : paths);
  const { parent, key } = parentOf(root, path);
  const at = path.join(".");
  const old = get(root, path);
  const set = (value: Json) => ((parent as Record<Key, Json>)[key] = value);
  const roll = random();
  if (roll < 0.4) {
    const value = pick(random, HOSTILE_VALUES);
    set(structuredClone(value));
    return `${at} = ${JSON.stringify(value) ?? String(value)}`;
  }
  if (roll < 0.55) {
    const same = paths.filter((p) => typeof get(root, p) === typeof old && p.join(".") !== at);
    if (same.length === 0) return `${at} kept`;
    const from = pick(random, same);
    set(structuredClone(get(root, from)));
    return `${at} = the value of ${from.join(".")}`;
  }
  if (roll < 0.7 && typeof old === "number") {
    const value = pick(random, [old + 1, old - 1, old * 1000, -old, old + 0.5, old * 65536]);
    set(value);
    return `${at} = ${value}`;
  }
  if (roll < 0.82) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<Key, Json>)[key];
    return `${at} deleted`;
  }
  if (roll < 0.94) {
    const arrays = paths.filter(
      (p) => Array.isArray(get(root, p)) && (get(root, p) as Json[]).length > 0,
    );
    if (arrays.length === 0) return "no array to grow";
    const arrayPath = pick(random, arrays);
    const array = get(root, arrayPath) as Json[];
    const i = Math.floor(random() * array.length);
    array.push(structuredClone(array[i]));
    return `${arrayPath.join(".")}[${i}] duplicated`;
  }
  const objects = paths.filter((p) => {
    const v = get(root, p);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  });
  if (objects.length === 0) return "no object to extend";
  const objectPath = pick(random, objects);
  (get(root, objectPath) as Record<string, Json>).colour = "blue";
  return `${objectPath.join(".")}.colour added`;
}
