// One version per part (docs/images.md): a part built here runs, at cert and prod, as the upstream
// image of the version built here; the parts whose versions differ are the ones the table of
// docs/images.md says cannot be the same, with the versions each side runs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ImageRole } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";

/** `NAME="${NAME:-VALUE}"` (or unquoted) of a build script: the version it builds by default. */
function builtVersion(script: string, name: string): string {
  const m = new RegExp(`^${name}="?\\$\\{${name}:-([^}]+)\\}"?$`, "m").exec(
    readFileSync(script, "utf8"),
  );
  assert.ok(m, `${script}: ${name}`);
  return m[1];
}

/** The version of `group:artifact` that images/NAME/jars.txt pins: the release the image runs. */
function jarVersion(image: string, groupArtifact: string): string {
  const m = new RegExp(`^${groupArtifact.replace(/\./g, "\\.")}:(\\S+) `, "m").exec(
    readFileSync(`images/${image}/jars.txt`, "utf8"),
  );
  assert.ok(m, `images/${image}/jars.txt: ${groupArtifact}`);
  return m[1];
}

const tagOf = (image: string) => image.slice(image.lastIndexOf(":") + 1).replace(/^v/, "");

const BUILT: [ImageRole, string][] = [
  ["consul", builtVersion("scripts/docker/build-go-tools.sh", "CONSUL_VERSION")],
  ["consulTemplate", builtVersion("scripts/docker/build-go-tools.sh", "CONSUL_TEMPLATE_VERSION")],
  ["filebeat", builtVersion("scripts/docker/build-go-tools.sh", "FILEBEAT_VERSION")],
  ["consulEsm", builtVersion("scripts/toolchain/build.sh", "CONSUL_ESM_VERSION")],
  ["influxdb", builtVersion("scripts/docker/build-go-tools.sh", "INFLUXDB_VERSION")],
  ["zookeeper", jarVersion("zookeeper", "org.apache.zookeeper:zookeeper")],
];

/** The rows of docs/images.md's table that say a part's versions differ: part → [local, cert and prod]. */
function differing(): Map<string, [string, string]> {
  const doc = readFileSync("docs/images.md", "utf8");
  const table = doc.slice(doc.indexOf("## One version per part"), doc.indexOf("## Scripts"));
  return new Map(
    [...table.matchAll(/^\| ([\w ,-]+) \| ([^|]+) \| `([^`]+)` \| no: /gm)].map((m) => [
      m[1],
      [m[2].split(" ")[0], tagOf(m[3])],
    ]),
  );
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: each part built here runs as the upstream image of the version built here`, () => {
    const local = loadPlatformFromStackFile(process.cwd(), "local").images;
    for (const [role, version] of BUILT) {
      assert.equal(tagOf(spec.images[role]), version, `${role}: ${spec.images[role]}`);
      if (role !== "consulTemplate" && role !== "filebeat")
        assert.equal(tagOf(local[role]), version, `${role} on the local stack: ${local[role]}`);
    }
  });

  test(`${stack}: the parts whose versions differ are the ones docs/images.md gives a reason for, at the versions it names`, () => {
    const local = loadPlatformFromStackFile(process.cwd(), "local").images;
    const rows = differing();
    assert.deepEqual([...rows.keys()].sort(), ["cAdvisor"]);
    const roles: Record<string, ImageRole> = { cAdvisor: "cadvisor" };
    for (const [part, [here, there]] of rows) {
      const role = roles[part];
      assert.equal(tagOf(spec.images[role]), there, `${part} at ${stack}`);
      assert.ok(here.startsWith(tagOf(local[role])), `${part} here: ${here} is ${local[role]}`);
      assert.notEqual(here, there);
    }
  });
}
