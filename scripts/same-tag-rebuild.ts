// A release rebuilt under a tag that a stack's containers already run, on a stack whose hosts use
// the machine's Docker (the local stack: no registry, so no digest to name the image by). The
// containers name the tag, so `pulumi up` would replace none of them, and any container created
// later (a new instance, a replacement after a host's loss) would start on the new build beside
// the old ones. The release refuses it and puts the tag back on the image those containers run.
import { spawnSync } from "node:child_process";

function docker(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("docker", args, { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
}

/** The id of the image the machine's Docker holds under `image`; undefined where it holds none. */
export function localImageId(image: string): string | undefined {
  const r = docker(["image", "inspect", "-f", "{{.Id}}", image]);
  return r.ok ? r.out : undefined;
}

/** The names of `stack`'s containers on the machine's Docker that name `image` and run the image `imageId`. */
export function containersOnImage(stack: string, image: string, imageId: string): string[] {
  const ids = docker([
    "ps",
    "-a",
    "-q",
    "--no-trunc",
    "--filter",
    `label=platform.stack=${stack}`,
    "--filter",
    `ancestor=${imageId}`,
  ]).out.split("\n");
  if (ids[0] === "") return [];
  return docker(["inspect", "-f", "{{.Name}} {{.Config.Image}} {{.Image}}", ...ids])
    .out.split("\n")
    .map((line) => line.split(" "))
    .filter(([, named, runs]) => named === image && runs === imageId)
    .map(([name]) => name.replace(/^\//, ""))
    .sort();
}

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/**
 * Throws when the build just made moved `image` off `before` (the image it named until then) while
 * containers of `stack` still run `before` under that name; puts `image` back on `before` first.
 */
export function refuseSameTagRebuild(stack: string, image: string, before: string | undefined) {
  const now = localImageId(image);
  if (before === undefined || now === undefined || now === before) return;
  const running = containersOnImage(stack, image, before);
  if (running.length === 0) return;
  docker(["tag", before, image]);
  throw new Error(
    `${image} was built again as another image (${short(now)}) while ${running.length} container(s) of stack ${stack} run it as ${short(before)} (${running.join(", ")}): containers are replaced when the name of their image changes, so none would be. ${image} names ${short(before)} again; release the change under a VERSION of its own`,
  );
}
