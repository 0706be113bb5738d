// Publishing an image of the machine's Docker into a stack's registry, from where each host's
// Engine pulls it (the Docker provider pulls a container's image where it is missing). `skopeo
// copy` reads the image from the machine's Docker and sends the layers the registry lacks. It
// verifies the registry's TLS certificate and uses the machine's registry logins (`docker login`
// or `skopeo login`); a registry served over plain HTTP must be marked `insecure` in
// /etc/containers/registries.conf.d, as the site on this machine does for its own (docs/site.md).
import { spawnSync } from "node:child_process";
import { withRegistry } from "../components/core/images";

/**
 * Copies `image` from the machine's Docker to `target` (a registry's name for it), sending the
 * layers the registry lacks.
 */
export function copyToRegistry(image: string, target: string): void {
  const r = spawnSync(
    "skopeo",
    ["copy", "--quiet", `docker-daemon:${image}`, `docker://${target}`],
    { encoding: "utf8" },
  );
  if (r.error !== undefined)
    throw new Error(
      `publishing ${image} to ${target} needs skopeo (Debian's skopeo package): ${r.error.message}`,
    );
  if (r.status !== 0)
    throw new Error(
      `publishing ${image} to ${target}: skopeo failed (${r.stderr.trim()}). A registry without TLS must be marked insecure in /etc/containers/registries.conf.d; one that needs a login, \`skopeo login ${target.split("/")[0]}\``,
    );
}

/** Publishes `image` under the stack's `registry` prefix, as the plan names it; returns that name. */
export function publishImage(image: string, registry: string): string {
  const target = withRegistry(image, registry);
  copyToRegistry(image, target);
  return target;
}
