// Publishing an image of the machine's Docker into a stack's registry, from where each host's
// Engine pulls it (the Docker provider pulls a container's image where it is missing). `skopeo
// copy` reads the image from the machine's Docker and sends the layers the registry lacks. It
// verifies the registry's TLS certificate and logs in with the stack's login where it names one
// (`registryUser`, `registryPassword`: the one the hosts pull with), else with the machine's
// (`docker login` or `skopeo login`); a registry served over plain HTTP must be marked `insecure`
// in /etc/containers/registries.conf.d, as the site on this machine does for its own (docs/site.md).
//
// A published image is named by its digest too (`name:tag@sha256:...`): a tag can be pushed
// again with another image, a digest names one image only, so a release rebuilt under the same
// tag still changes what the stack's containers name, and every host runs what was published.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withRegistry } from "../components/core/images";
import { RegistryLogin } from "../components/core/platform-spec";
import { tempDir } from "./temp-dir";

/** A registry login with its password, as skopeo is handed it. */
export type RegistryCredentials = RegistryLogin & { password: string };

/**
 * `f` with skopeo's arguments for `login` (`flag FILE`: an auth file of this login alone,
 * readable by this user only, removed afterwards); none without a login.
 */
function withAuthFile<T>(
  login: RegistryCredentials | undefined,
  flag: string,
  f: (args: string[]) => T,
): T {
  if (login === undefined) return f([]);
  const dir = tempDir("registry-login-");
  const file = join(dir, "auth.json");
  const auth = Buffer.from(`${login.username}:${login.password}`).toString("base64");
  writeFileSync(file, JSON.stringify({ auths: { [login.address]: { auth } } }), { mode: 0o600 });
  try {
    return f([flag, file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Copies `image` from the machine's Docker to `target` (a registry's name for it), sending the
 * layers the registry lacks, logged in with `login` where given; returns the digest of the
 * manifest the registry holds for it.
 */
export function copyToRegistry(image: string, target: string, login?: RegistryCredentials): string {
  const digestFile = join(tempDir("publish-"), "digest");
  const r = withAuthFile(login, "--dest-authfile", (auth) =>
    spawnSync(
      "skopeo",
      [
        "copy",
        "--quiet",
        ...auth,
        "--digestfile",
        digestFile,
        `docker-daemon:${image}`,
        `docker://${target}`,
      ],
      { encoding: "utf8" },
    ),
  );
  if (r.error !== undefined)
    throw new Error(
      `publishing ${image} to ${target} needs skopeo (Debian's skopeo package): ${r.error.message}`,
    );
  if (r.status !== 0)
    throw new Error(
      `publishing ${image} to ${target}: skopeo failed (${r.stderr.trim()}). A registry without TLS must be marked insecure in /etc/containers/registries.conf.d; one that needs a login, ${login ? `takes ${login.username}'s password (lhcb-platform:registryUser, registryPassword)` : `lhcb-platform:registryUser and registryPassword in the stack, or \`skopeo login ${target.split("/")[0]}\``}`,
    );
  return readFileSync(digestFile, "utf8").trim();
}

/**
 * True when the registry holds `reference` (a tag or a digest), as `login` (else the machine's
 * logins) and registries.conf reach it.
 */
export function registryHolds(reference: string, login?: RegistryCredentials): boolean {
  return withAuthFile(
    login,
    "--authfile",
    (auth) =>
      spawnSync("skopeo", ["inspect", "--raw", ...auth, `docker://${byDigestAlone(reference)}`])
        .status === 0,
  );
}

/** `name:tag@digest` → `name@digest` (skopeo takes a tag or a digest, not both); any other reference unchanged. */
function byDigestAlone(reference: string): string {
  const at = reference.indexOf("@");
  if (at < 0) return reference;
  const name = reference.slice(0, at);
  const tag = name.lastIndexOf(":");
  return tag > name.lastIndexOf("/") ? `${name.slice(0, tag)}${reference.slice(at)}` : reference;
}

/** An image published to a stack's registry. */
export interface PublishedImage {
  /** The registry's name of it, pinned to its digest: `<registry>/<image>@sha256:...`. */
  published: string;
  /** The image's own name pinned to that digest (`<image>@sha256:...`): what the stack's `images` name. */
  pinned: string;
}

/** Publishes `image` under the stack's `registry` prefix, as the plan names it, logged in with `login` where given. */
export function publishImage(
  image: string,
  registry: string,
  login?: RegistryCredentials,
): PublishedImage {
  const target = withRegistry(image, registry);
  const digest = copyToRegistry(image, target, login);
  return { published: `${target}@${digest}`, pinned: `${image}@${digest}` };
}
