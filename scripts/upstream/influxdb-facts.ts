// InfluxDB's facts, at the image tag the stacks name, from its Go module (`go mod download
// github.com/influxdata/influxdb@vVERSION`): every key its configuration file decodes (the
// `cmd/influxd/run` `Config` and the structs it names, followed), and the flags of `influxd run`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { goFlags } from "./go-flags";
import { tomlKeys } from "./go-toml-keys";

const MODULE = "github.com/influxdata/influxdb";

/** The non-test Go files of a package directory of the module, joined ("" when there is none). */
function packageSource(moduleDir: string, dir: string): string {
  const path = join(moduleDir, dir);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return "";
  }
  return names
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .sort()
    .map((f) => readFileSync(join(path, f), "utf8"))
    .join("\n");
}

/** The facts of `upstream/influxdb.json`, read from the module directory `moduleDir`. */
export function influxdbFacts(moduleDir: string): object {
  const image = DEFAULT_IMAGES.influxdb;
  const version = `v${image.slice(image.lastIndexOf(":") + 1)}`;
  if (!moduleDir.endsWith(`${MODULE}@${version}`))
    throw new Error(
      `the image ${image} is InfluxDB ${version}: give ${MODULE}@${version}, not ${moduleDir}`,
    );
  const config = packageSource(moduleDir, "cmd/influxd/run");
  const command = readFileSync(join(moduleDir, "cmd/influxd/run/command.go"), "utf8");
  const parseFlags = command.slice(command.indexOf("func (cmd *Command) ParseFlags"));
  return {
    part: "influxdb",
    image,
    sources: [
      {
        module: MODULE,
        version,
        paths: ["cmd/influxd/run/config.go (Config, followed)", "cmd/influxd/run/command.go"],
      },
    ],
    // `FromToml` is toml.Decode alone: a key no field takes is dropped without a word.
    strict: /md\.Undecoded\(\)/.test(config),
    keys: tomlKeys(MODULE, "cmd/influxd/run", "Config", (dir) => packageSource(moduleDir, dir)),
    runFlags: goFlags(
      parseFlags.slice(0, parseFlags.indexOf("\n}\n")),
      `${MODULE}@${version}:cmd/influxd/run/command.go`,
      ["fs"],
    ),
  };
}
