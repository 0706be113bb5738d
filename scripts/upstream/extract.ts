// `npx tsx scripts/upstream/extract.ts chronos CHRONOS_GIT_DIR CHAOS_GIT_DIR` (or `marathon
// MARATHON_GIT_DIR`, `mesos MESOS_GIT_DIR`, `consul-esm CONSUL_ESM_SOURCE_DIR`, `cadvisor
// CADVISOR_GIT_DIR KLOG_MODULE_DIR`, `influxdb INFLUXDB_MODULE_DIR`, `logstash LOGSTASH_GIT_DIR
// PLUGIN_GIT_DIR...`, `grafana GRAFANA_SCHEMA_PACKAGE_DIR`): reads the upstream
// sources of a part at the version the stacks name, from git snapshots of its repositories (bare
// or not: read with `git show TAG:PATH`), and writes what the conformance tests check against into
// upstream/<part>.json (docs/upstream.md). Mechanical: every option the sources declare, not only
// the ones the platform passes; the start script as the image runs it.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { commitOf, files, gitDirOf, show } from "./git-source";
import { ScallopOption, scallopOptions } from "./scallop-options";
import { stringConstants, taggedFields } from "./go-struct-fields";
import { goFlags, linkedPackages } from "./go-flags";
import { grafanaFacts } from "./grafana-facts";
import { influxdbFacts } from "./influxdb-facts";
import { logstashFacts } from "./logstash-facts";
import { jacksonReads } from "./jackson-reads";
import { ramlTypes } from "./raml-types";
import { stoutFlags } from "./stout-flags";

const PROJECT = resolve(__dirname, "..", "..");

/** Every Scallop option under `src/main/scala` of a repository at a tag, with the file it is in. */
function optionsOf(
  repo: string,
  gitDir: string,
  tag: string,
): (ScallopOption & { source: string })[] {
  return files(gitDir, tag, "src/main/scala", ".scala").flatMap((path) =>
    scallopOptions(show(gitDir, tag, path)).map((o) => ({
      ...o,
      source: `${repo}@${tag}:${path}`,
    })),
  );
}

/** The environment variables a shell script reads (`$NAME`, `${NAME}`). */
export function variablesRead(script: string): string[] {
  return [...new Set([...script.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]))].sort();
}

/** Chronos at the image tag the stacks name, with the options of the Chaos version its pom names. */
function chronos(chronosDir: string, chaosDir: string): object {
  const image = DEFAULT_IMAGES.chronos;
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const chronosGit = gitDirOf(chronosDir);
  const chaosGit = gitDirOf(chaosDir);
  const dockerfile = show(chronosGit, tag, "Dockerfile");
  const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[];
  const startPath = /^ADD\s+(\S+)\s+(\S+)\s*$/m.exec(
    dockerfile.split("\n").find((l) => l.includes(entrypoint[0]))!,
  )![1];
  const start = show(chronosGit, tag, startPath);
  const chaosVersion = /<chaos\.version>([^<]+)<\/chaos\.version>/.exec(
    show(chronosGit, tag, "pom.xml"),
  )![1];
  const chaosTag = `v${chaosVersion}`;
  return {
    part: "chronos",
    image,
    sources: [
      { repo: "mesos/chronos", tag, commit: commitOf(chronosGit, tag) },
      { repo: "mesosphere/chaos", tag: chaosTag, commit: commitOf(chaosGit, chaosTag) },
    ],
    entrypoint,
    startScript: { path: startPath, text: start, reads: variablesRead(start) },
    options: [
      ...optionsOf("mesos/chronos", chronosGit, tag),
      ...optionsOf("mesosphere/chaos", chaosGit, chaosTag),
    ],
    // What a job posted to the API may say: the keys its deserializer reads (any other is
    // dropped without a word).
    job: {
      source: `mesos/chronos@${tag}:${JOB_DESERIALIZER}`,
      keys: jacksonReads(show(chronosGit, tag, JOB_DESERIALIZER)),
    },
  };
}

const JOB_DESERIALIZER = "src/main/scala/org/apache/mesos/chronos/utils/JobDeserializer.scala";

/**
 * The commit of Marathon version MAJOR.MINOR.N: its `version` script numbers a release branch's
 * commits by their count of first-parent commits since the branch point it names.
 */
function marathonCommit(gitDir: string, version: string): string {
  const [major, minor, n] = version.split(".");
  const branch = `releases/${major}.${minor}`;
  const script = show(gitDir, branch, "version");
  const point = /^BRANCH_POINT=([0-9a-f]{40})$/m.exec(script)![1];
  const commits = execFileSync(
    "git",
    ["--git-dir", gitDir, "rev-list", "--reverse", "--first-parent", `${point}..${branch}`],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n");
  const commit = commits[Number(n) - 1];
  if (commit === undefined)
    throw new Error(`${branch} has ${commits.length} commits after ${point}, not ${n}`);
  return commit;
}

/** How Marathon's `Main.envToArgs` turns variables into options, read from its source. */
function marathonEnvironment(main: string): { prefix: string; ignored: string[] } {
  const body = main.slice(main.indexOf("def envToArgs"), main.indexOf("def main("));
  const ignored = [
    ...body.matchAll(/k\.startsWith\("([A-Z_]+)"\) =>\s*(?:\/\*[\s\S]*?\*\/\s*)?Nil/g),
  ];
  const used =
    /k\.startsWith\("([A-Z_]+)"\) =>\s*val argName = s"--\$\{k\.drop\((\d+)\)\.toLowerCase\}"/.exec(
      body,
    );
  if (
    !used ||
    Number(used[2]) !== used[1].length ||
    !/if \(v\.isEmpty\)\s*Seq\(argName\)/.test(body)
  )
    throw new Error("Main.envToArgs: not the form this script reads");
  return { prefix: used[1], ignored: ignored.map((m) => m[1]) };
}

/** Marathon at the image tag the stacks name. */
function marathon(marathonDir: string): object {
  const image = DEFAULT_IMAGES.marathon;
  const version = image.slice(image.lastIndexOf(":v") + 2);
  const git = gitDirOf(marathonDir);
  const commit = marathonCommit(git, version);
  const dockerfile = show(git, commit, "tools/packager/docker/Dockerfile");
  const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[];
  const mainPath = "src/main/scala/mesosphere/marathon/Main.scala";
  return {
    part: "marathon",
    image,
    sources: [{ repo: "mesosphere/marathon", tag: `v${version}`, commit }],
    entrypoint,
    user: /^USER\s+(\S+)\s*$/m.exec(dockerfile)?.[1],
    environment: { ...marathonEnvironment(show(git, commit, mainPath)), source: mainPath },
    options: optionsOf("mesosphere/marathon", git, commit),
    // The v2 API's types (an app is `app.App`), from which Marathon generates its JSON models.
    api: {
      source: `mesosphere/marathon@v${version}:${RAML_TYPES}`,
      types: ramlTypes(
        Object.fromEntries(
          files(git, commit, RAML_TYPES, ".raml").map((p) => [
            p.slice(RAML_TYPES.length + 1),
            show(git, commit, p),
          ]),
        ),
      ),
    },
  };
}

const RAML_TYPES = "docs/docs/rest-api/public/api/v2/types";

/**
 * One Mesos binary: its flags (its own `Flags` class and the logging flags it inherits), the
 * environment prefix `main.cpp` loads them with, and the options `main.cpp` itself insists on.
 */
function mesosBinary(git: string, tag: string, dir: string): object {
  const header = show(git, tag, `${dir}/flags.hpp`);
  if (!/class Flags : public virtual logging::Flags/.test(header))
    throw new Error(`${dir}/flags.hpp: Flags does not inherit logging::Flags`);
  const main = show(git, tag, `${dir}/main.cpp`);
  const prefix = /flags\.load\("([A-Z_]+)", argc, argv\)/.exec(main)?.[1];
  if (prefix === undefined) throw new Error(`${dir}/main.cpp: no flags.load(PREFIX, argc, argv)`);
  const insists = [
    ...main.matchAll(/"(Missing required option `--\w+`[^"]*|--\w+ needed[^"]*)"/g),
  ].map((m) => m[1]);
  return {
    main: `${dir}/main.cpp`,
    environmentPrefix: prefix,
    insists,
    flags: [
      ...stoutFlags(show(git, tag, `${dir}/flags.cpp`), header),
      ...stoutFlags(
        show(git, tag, "src/logging/flags.cpp"),
        show(git, tag, "src/logging/flags.hpp"),
      ),
    ],
  };
}

/** Mesos at the tag of the stacks' master and agent images (one version for both). */
function mesos(mesosDir: string): object {
  const tags = [DEFAULT_IMAGES.mesosMaster, DEFAULT_IMAGES.mesosAgent].map((i) =>
    i.slice(i.lastIndexOf(":") + 1),
  );
  if (tags[0] !== tags[1])
    throw new Error(`the master and agent images differ: ${tags.join(", ")}`);
  const git = gitDirOf(mesosDir);
  const tag = tags[0];
  return {
    part: "mesos",
    images: [DEFAULT_IMAGES.mesosMaster, DEFAULT_IMAGES.mesosAgent],
    sources: [{ repo: "apache/mesos", tag, commit: commitOf(git, tag) }],
    master: mesosBinary(git, tag, "src/master"),
    agent: mesosBinary(git, tag, "src/slave"),
  };
}

/**
 * consul-esm at the image tag the stacks name, from its unpacked release source (the archive in
 * ../shared/upstream; the module proxy refuses the module): the keys its config file decodes
 * (`HumanConfig` and its `telemetry` block, decoded with `ErrorUnused`: an unknown key stops it),
 * the blocks it allows once, and the values `ValidateConfig` accepts for `ping_type`.
 */
function consulEsm(sourceDir: string): object {
  const image = DEFAULT_IMAGES.consulEsm;
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const read = (path: string) => readFileSync(join(sourceDir, path), "utf8");
  const version = /^\s*Version\s*=\s*"([^"]+)"/m.exec(read("version/version.go"))![1];
  if (version !== tag)
    throw new Error(`the source in ${sourceDir} is consul-esm ${version}, the image ${image}`);
  const config = read("config.go");
  const constants = stringConstants(config);
  const pingTypes = /switch conf\.PingType \{\s*case ([^:]+):/
    .exec(config)![1]
    .split(",")
    .map((c) => constants[c.trim()]);
  return {
    part: "consul-esm",
    image,
    sources: [
      {
        repo: "hashicorp/consul-esm",
        tag: `v${version}`,
        paths: ["config.go", "version/version.go"],
      },
    ],
    strict: /ErrorUnused:\s*true/.test(config),
    singleBlocks: [...config.matchAll(/list\.Filter\("(\w+)"\)/g)].map((m) => m[1]),
    keys: taggedFields(config, "HumanConfig").map(({ key, goType }) => ({ key, goType })),
    telemetryKeys: taggedFields(config, "Telemetry").map(({ key, goType }) => ({ key, goType })),
    pingTypes,
  };
}

/**
 * What cAdvisor's InfluxDB storage writes: the measurement (series) names it declares, the field
 * every point's value is in, the tags every point has; and whether a container's labels become
 * tags of its points: the storage adds `cInfo.Spec.Labels`, but only if the container manager
 * (`manager/container.go`) hands it a `ContainerInfo` that holds the `Spec`.
 */
export function influxdbWrites(storage: string, manager: string, path: string): object {
  const constants = (prefix: string) =>
    [
      ...storage.matchAll(new RegExp(`^\\s*${prefix}\\w*\\s*(?:string)?\\s*=\\s*"([^"]+)"`, "gm")),
    ].map((m) => m[1]);
  const given =
    /(\w+) := info\.ContainerInfo\{([^}]*)\}\s*(?:\n\s*)*err = \w+\.memoryCache\.AddStats\(&\1,/.exec(
      manager,
    );
  if (!given) throw new Error("manager/container.go: no ContainerInfo handed to AddStats");
  const fields = [...given[2].matchAll(/(\w+):/g)].map((m) => m[1]);
  const storageAddsLabels = /addTagsToPoint\(points\[i\], cInfo\.Spec\.Labels\)/.test(storage);
  return {
    source: path,
    measurements: constants("se[rt]").sort(),
    valueField: constants("fieldValue")[0],
    tags: constants("tag").sort(),
    storageAddsLabels,
    managerGives: fields,
    labelsBecomeTags: storageAddsLabels && fields.includes("Spec"),
  };
}

/**
 * cAdvisor at the image tag the stacks name: the upstream image's entrypoint (deploy/Dockerfile);
 * every flag of the packages `cmd/cadvisor.go` links from the repository (both its modules,
 * imports followed) and of the klog version `cmd/go.mod` names (`klog.InitFlags`, read from the
 * module in the Go module cache: `go mod download k8s.io/klog/v2@VERSION`); the metric names
 * `-disable_metrics` accepts (`container.AllMetrics`; any other stops cAdvisor at start).
 */
function cadvisor(cadvisorDir: string, klogDir: string): object {
  const image = DEFAULT_IMAGES.cadvisor;
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const git = gitDirOf(cadvisorDir);
  // The Go files of one package (a directory, "." for the root), tests left out.
  const goFiles = (dir: string) => {
    const path = dir === "." ? "" : dir;
    return files(git, tag, path, ".go").filter(
      (p) => !p.endsWith("_test.go") && p.slice(0, p.lastIndexOf("/")) === path,
    );
  };
  const read = (p: string) => show(git, tag, p);
  const modules = {
    "github.com/google/cadvisor": ".",
    "github.com/google/cadvisor/cmd": "cmd",
  };
  const packages = linkedPackages("cmd", modules, goFiles, read);
  const flags = packages.flatMap((dir) =>
    goFiles(dir).flatMap((p) => goFlags(read(p), `google/cadvisor@${tag}:${p}`)),
  );
  const klogVersion = /^\s*k8s\.io\/klog\/v2 (v\S+)/m.exec(read("cmd/go.mod"))![1];
  if (!klogDir.endsWith(`@${klogVersion}`))
    throw new Error(
      `cmd/go.mod names klog ${klogVersion}; give its module directory, not ${klogDir}`,
    );
  const klog = readFileSync(join(klogDir, "klog.go"), "utf8");
  const initFlags = klog.slice(klog.indexOf("func init()"), klog.indexOf("func InitFlags"));
  flags.push(...goFlags(initFlags, `k8s.io/klog/v2@${klogVersion}:klog.go`, ["commandLine"]));
  const factory = read("container/factory.go");
  const kinds = Object.fromEntries(
    [...factory.matchAll(/^\s*(\w+)\s+MetricKind = "([^"]+)"/gm)].map((m) => [m[1], m[2]]),
  );
  const all = /var AllMetrics = MetricSet\{([\s\S]*?)^\}/m.exec(factory)![1];
  const dockerfile = read("deploy/Dockerfile");
  const storage = "cmd/internal/storage/influxdb/influxdb.go";
  return {
    part: "cadvisor",
    image,
    sources: [
      { repo: "google/cadvisor", tag, commit: commitOf(git, tag), packages },
      { module: "k8s.io/klog/v2", version: klogVersion },
    ],
    entrypoint: JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[],
    flags: flags.sort((a, b) => a.name.localeCompare(b.name)),
    metrics: [...all.matchAll(/^\s*(\w+):/gm)].map((m) => kinds[m[1]]).sort(),
    influxdb: influxdbWrites(
      read(storage),
      read("manager/container.go"),
      `google/cadvisor@${tag}:${storage}, manager/container.go`,
    ),
  };
}

/** A git snapshot, read at a tag. */
function snapshot(dir: string) {
  const gitDir = gitDirOf(dir);
  return {
    gitDir,
    read: (tag: string, path: string) => show(gitDir, tag, path),
    files: (tag: string) => files(gitDir, tag, ".", ""),
  };
}

const PARTS: Record<
  string,
  { usage: string; dirs: number | "1+"; facts: (dirs: string[]) => object }
> = {
  cadvisor: {
    usage: "cadvisor CADVISOR_GIT_DIR KLOG_MODULE_DIR",
    dirs: 2,
    facts: (d) => cadvisor(d[0], d[1]),
  },
  "consul-esm": {
    usage: "consul-esm CONSUL_ESM_SOURCE_DIR",
    dirs: 1,
    facts: (d) => consulEsm(d[0]),
  },
  chronos: {
    usage: "chronos CHRONOS_GIT_DIR CHAOS_GIT_DIR",
    dirs: 2,
    facts: (d) => chronos(d[0], d[1]),
  },
  grafana: {
    usage: "grafana GRAFANA_SCHEMA_PACKAGE_DIR",
    dirs: 1,
    facts: (d) => grafanaFacts(DEFAULT_IMAGES.grafana, resolve(d[0])),
  },
  influxdb: {
    usage: "influxdb INFLUXDB_MODULE_DIR",
    dirs: 1,
    facts: (d) => influxdbFacts(resolve(d[0])),
  },
  logstash: {
    usage: "logstash LOGSTASH_GIT_DIR PLUGIN_GIT_DIR...",
    dirs: "1+",
    facts: (d) =>
      logstashFacts(DEFAULT_IMAGES.logstash, snapshot(d[0]), d.slice(1).map(snapshot), commitOf),
  },
  marathon: { usage: "marathon MARATHON_GIT_DIR", dirs: 1, facts: (d) => marathon(d[0]) },
  mesos: { usage: "mesos MESOS_GIT_DIR", dirs: 1, facts: (d) => mesos(d[0]) },
};

function main(argv: string[]): void {
  const [part, ...dirs] = argv;
  const spec = PARTS[part];
  if (!spec || (spec.dirs === "1+" ? dirs.length < 1 : dirs.length !== spec.dirs))
    throw new Error(
      `usage: extract.ts ${Object.values(PARTS)
        .map((p) => p.usage)
        .join(" | ")}`,
    );
  const out = join(PROJECT, "upstream", `${part}.json`);
  writeFileSync(out, JSON.stringify(spec.facts(dirs), null, 2) + "\n");
  console.log(`extract: wrote ${out}`);
}

if (require.main === module) main(process.argv.slice(2));
