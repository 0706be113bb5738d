// The release's guard for a stack without a registry, on the machine's real Docker: a build that
// moved a tag off the image a stack's containers run under it is refused (none of them would be
// replaced), and the tag names their image again; a build that made the same image, or moved a
// tag no container of the stack runs, goes on.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { docker } from "../../scripts/bench/probes";
import {
  containersOnImage,
  localImageId,
  refuseSameTagRebuild,
} from "../../scripts/same-tag-rebuild";

const BASE = "lhcb-platform/base:bookworm";
const STACK = `sametag${process.pid}`;
const IMAGE = `lhcb-platform/same-tag-test:${process.pid}`;
const CONTAINERS = [`${STACK}-a`, `${STACK}-b`];
const OTHERS = `${STACK}-other-stack`;
let baseId: string;

/** Builds another image under IMAGE (the base with one label more, as a rebuild would be); returns its id. */
function rebuild(): string {
  execFileSync("docker", ["build", "-q", "-t", IMAGE, "-"], {
    input: `FROM ${BASE}\nLABEL same-tag-test=${process.pid}\n`,
    stdio: ["pipe", "ignore", "inherit"],
  });
  return localImageId(IMAGE)!;
}

before(() => {
  baseId = localImageId(BASE)!;
  docker("tag", BASE, IMAGE);
  for (const name of CONTAINERS)
    docker("create", "--name", name, "--label", `platform.stack=${STACK}`, IMAGE, "true");
  // A container of another stack on the same image, and one of this stack on another image.
  docker("create", "--name", OTHERS, "--label", `platform.stack=${STACK}x`, IMAGE, "true");
  docker("create", "--name", `${STACK}-c`, "--label", `platform.stack=${STACK}`, BASE, "true");
});

after(() => {
  docker("rm", ...CONTAINERS, OTHERS, `${STACK}-c`);
  // Untags the base, or deletes the last rebuild with its only tag.
  docker("rmi", IMAGE);
});

test("the containers a stack runs under a name and an image are found, no other", () => {
  docker("tag", BASE, IMAGE);
  assert.deepEqual(containersOnImage(STACK, IMAGE, baseId), CONTAINERS);
  assert.deepEqual(containersOnImage(`${STACK}x`, IMAGE, baseId), [OTHERS]);
  assert.deepEqual(containersOnImage(`${STACK}y`, IMAGE, baseId), []);
});

test("a rebuild under the tag a stack's containers run is refused, naming them, and the tag names their image again", () => {
  docker("tag", BASE, IMAGE);
  const rebuilt = rebuild();
  assert.notEqual(rebuilt, baseId);
  const short = (id: string) => id.slice("sha256:".length, "sha256:".length + 12);
  assert.throws(
    () => refuseSameTagRebuild(STACK, IMAGE, baseId),
    (e: Error) => {
      assert.equal(
        e.message,
        `${IMAGE} was built again as another image (${short(rebuilt)}) while 2 container(s) of stack ${STACK} run it as ${short(baseId)} (${CONTAINERS.join(", ")}): containers are replaced when the name of their image changes, so none would be. ${IMAGE} names ${short(baseId)} again; release the change under a VERSION of its own`,
      );
      return true;
    },
  );
  assert.equal(localImageId(IMAGE), baseId);
  execFileSync("docker", ["rmi", rebuilt], { stdio: "ignore" });
});

test("a rebuild that made the same image, a new tag, or a tag no container of the stack runs goes on", () => {
  docker("tag", BASE, IMAGE);
  assert.doesNotThrow(() => refuseSameTagRebuild(STACK, IMAGE, baseId));
  assert.doesNotThrow(() => refuseSameTagRebuild(STACK, IMAGE, undefined));
  const rebuilt = rebuild();
  assert.doesNotThrow(() => refuseSameTagRebuild(`${STACK}y`, IMAGE, baseId));
  assert.equal(localImageId(IMAGE), rebuilt);
});
