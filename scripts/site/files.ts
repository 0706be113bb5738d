// The files a site writes: its lines in /etc/hosts, each host's sshd_config, the SSH client
// config that names the site's key, the registry's config, each engine's daemon.json and the
// machine's registries.conf drop-in. Pure.
import { SiteHost, SiteLayout } from "./layout";

/** Ends every line the site adds to a shared file, so that `down` removes those lines only. */
export const SITE_MARK = "# lhcb-platform-site";

/** The site's paths for SSH: the client key, the known hosts, the authorized keys. */
export const sshPaths = (site: SiteLayout) => ({
  clientKey: `${site.dataDir}/ssh/id_ed25519`,
  knownHosts: `${site.dataDir}/ssh/known_hosts`,
  authorizedKeys: `${site.dataDir}/ssh/authorized_keys`,
  hostKey: (h: SiteHost) => `${h.dataDir}/ssh_host_ed25519_key`,
  sshdConfig: (h: SiteHost) => `${h.runDir}/sshd_config`,
  sshdPid: (h: SiteHost) => `${h.runDir}/sshd.pid`,
});

/** The site's lines of /etc/hosts: each host's name, and the registry's at the gateway. */
export function hostsLines(site: SiteLayout): string[] {
  return [
    `${site.gateway} ${site.registry.name} ${SITE_MARK}`,
    ...site.hosts.map((h) => `${h.ip} ${h.address} ${SITE_MARK}`),
  ];
}

/**
 * Where the machine's image tools (skopeo: the site's `up`, `npm run release`) learn that the
 * site's registry serves plain HTTP, as each engine learns it from `insecure-registries`.
 */
export const REGISTRIES_DROP_IN = "/etc/containers/registries.conf.d/lhcb-platform-site.conf";

/** The drop-in's text: the site's registry, served without TLS on this machine only. */
export function registriesDropIn(site: SiteLayout): string {
  return [
    `# The registry of the lhcb-platform site ${site.stack} on this machine: plain HTTP. Written by`,
    "# `npm run site -- up`, removed by `npm run site -- down`.",
    "[[registry]]",
    `location = "${site.registry.name}:${site.registry.port}"`,
    "insecure = true",
    "",
  ].join("\n");
}

/** `text` without the lines the site added (those ending in `SITE_MARK`). */
export function withoutSiteLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.endsWith(SITE_MARK))
    .join("\n");
}

/**
 * A host's sshd: on its address only, keys only, root by key, and every session's `docker` talks
 * to the host's own engine (what `docker system dial-stdio` serves to the Docker provider).
 */
export function sshdConfig(site: SiteLayout, host: SiteHost): string {
  const ssh = sshPaths(site);
  return [
    `ListenAddress ${host.ip}:22`,
    `HostKey ${ssh.hostKey(host)}`,
    `PidFile ${ssh.sshdPid(host)}`,
    `AuthorizedKeysFile ${ssh.authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "X11Forwarding no",
    "AllowTcpForwarding no",
    `SetEnv DOCKER_HOST=unix://${host.dockerSocket}`,
    "",
  ].join("\n");
}

/**
 * The SSH client's settings for the site's hosts (/etc/ssh/ssh_config.d): the site's key, its
 * known hosts checked strictly, a connection given up after 5 s. Each command opens a connection
 * of its own (no `ControlMaster`): a shared one to a host that is lost would hold every command
 * after it until its keep-alives gave up, where a new one fails within the 5 s.
 */
export function sshClientConfig(site: SiteLayout): string {
  const ssh = sshPaths(site);
  return [
    SITE_MARK,
    `Host ${site.hosts.map((h) => h.address).join(" ")}`,
    "  User root",
    `  IdentityFile ${ssh.clientKey}`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${ssh.knownHosts}`,
    "  StrictHostKeyChecking yes",
    "  ConnectTimeout 5",
    "",
  ].join("\n");
}

/** A public key file's text (`ssh-ed25519 AAAA... comment`) as the key alone (`ssh-ed25519 AAAA...`). */
export function publicKeyLine(text: string): string {
  return text.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** `known_hosts` lines: each host's name and its host key (`ssh-ed25519 AAAA...`). */
export function knownHosts(entries: { address: string; publicKey: string }[]): string {
  return entries.map((e) => `${e.address} ${publicKeyLine(e.publicKey)}\n`).join("");
}

/** Where the site registry's password (the stack's `registryPassword`) and htpasswd file are. */
export const registryLoginPaths = (site: SiteLayout) => ({
  password: `${site.registry.loginDir}/password`,
  htpasswd: `${site.registry.loginDir}/htpasswd`,
});

/**
 * The registry (Debian's docker-registry), plain HTTP on the gateway, asking every client for
 * the site's login (basic authentication against its htpasswd file): see docs/site.md for a real
 * site's TLS.
 */
export function registryConfig(site: SiteLayout): string {
  return [
    "version: 0.1",
    "log:",
    "  level: warn",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${site.registry.dataDir}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${site.gateway}:${site.registry.port}`,
    "auth:",
    "  htpasswd:",
    `    realm: ${site.registry.name}`,
    `    path: ${registryLoginPaths(site).htpasswd}`,
    "",
  ].join("\n");
}

/** A host engine's daemon.json: the site registry trusted over plain HTTP, logs capped. */
export function daemonJson(site: SiteLayout): string {
  return `${JSON.stringify(
    {
      "insecure-registries": [`${site.registry.name}:${site.registry.port}`],
      "log-driver": "json-file",
      "log-opts": { "max-size": "10m", "max-file": "2" },
    },
    null,
    2,
  )}\n`;
}

/**
 * The Go collector's target for every Docker Engine the project starts (GOGC; Go's default is
 * 100). dockerd runs itself again for each container it starts (the namespace, the DNS resolver,
 * the network hook, each file copied in), about 4 to 5 times per container, and each of those
 * short runs spent a third of its 49 ms of CPU collecting garbage while its packages initialize;
 * at 400 none does (30 ms), for a daemon heap up to 4 times its live size (docs/scale.md).
 */
export const DOCKERD_GOGC = "400";

/** A host's dockerd command line, with its collector setting (started in the host's namespace with `nsenter --net`). */
export function dockerdCommand(host: SiteHost): string[] {
  return ["env", `GOGC=${DOCKERD_GOGC}`, "dockerd", ...dockerdArgs(host)];
}

/** The arguments of a host's dockerd. */
function dockerdArgs(host: SiteHost): string[] {
  return [
    "--config-file",
    `${host.runDir}/daemon.json`,
    "--data-root",
    `${host.dataDir}/docker`,
    "--exec-root",
    `${host.runDir}/exec`,
    "--pidfile",
    `${host.runDir}/docker.pid`,
    "--host",
    `unix://${host.dockerSocket}`,
    "--cgroup-parent",
    `/lhcb-site-${host.id}`,
    "--exec-opt",
    "native.cgroupdriver=cgroupfs",
    "--log-level",
    "warn",
  ];
}
