// SSH for the site: one client key (the operator's), a host key per host, every host's sshd in its
// namespace, and the machine's SSH client told the site's key and known hosts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { knownHosts, publicKeyLine, sshClientConfig, sshdConfig, sshPaths } from "./files";
import { inNetnsArgs, SiteHost, SiteLayout } from "./layout";
import { livePid, run, say, succeeds, waitFor } from "./system";

/** The machine's SSH client settings for the site (Debian's ssh_config includes this folder). */
export const SSH_CLIENT_CONFIG = "/etc/ssh/ssh_config.d/lhcb-platform-site.conf";

function keyPair(path: string, comment: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  }
  return readFileSync(`${path}.pub`, "utf8");
}

/**
 * The key host `h`'s sshd shows (`ssh-ed25519 AAAA...`), as `npm run site -- up` made it; an error
 * saying so where it has not.
 */
export function hostPublicKey(site: SiteLayout, h: SiteHost): string {
  const file = `${sshPaths(site).hostKey(h)}.pub`;
  if (!existsSync(file))
    throw new Error(
      `${h.id}'s SSH host key ${file} does not exist: \`npm run site -- up\` makes it`,
    );
  return publicKeyLine(readFileSync(file, "utf8"));
}

/** Keys, configs, and an sshd per host; returns once every host answers over SSH. */
export async function startSsh(site: SiteLayout): Promise<void> {
  const ssh = sshPaths(site);
  const client = keyPair(ssh.clientKey, `operator@${site.stack}`);
  writeFileSync(ssh.authorizedKeys, client, { mode: 0o600 });
  const entries = site.hosts.map((h) => ({
    address: h.address,
    publicKey: keyPair(ssh.hostKey(h), `root@${h.address}`),
  }));
  writeFileSync(ssh.knownHosts, knownHosts(entries));
  mkdirSync(dirname(SSH_CLIENT_CONFIG), { recursive: true });
  writeFileSync(SSH_CLIENT_CONFIG, sshClientConfig(site));
  mkdirSync("/run/sshd", { recursive: true });
  for (const h of site.hosts) {
    mkdirSync(h.runDir, { recursive: true });
    writeFileSync(ssh.sshdConfig(h), sshdConfig(site, h));
    if (livePid(ssh.sshdPid(h)) === undefined)
      run("nsenter", inNetnsArgs(h, ["/usr/sbin/sshd", "-f", ssh.sshdConfig(h)]));
  }
  for (const h of site.hosts)
    await waitFor(`sshd of ${h.id}`, () => succeeds("ssh", [h.address, "true"]), 20);
  say(
    `ssh: ${site.hosts.length} sshd, client key ${ssh.clientKey}, client config ${SSH_CLIENT_CONFIG}`,
  );
}

/** Stops every sshd of the site (also those of a run that was killed) and removes the client config. */
export function stopSsh(site: SiteLayout): void {
  // sshd retitles its listener (`sshd: /usr/sbin/sshd -f PATH [listener] ...`): matched on the config path.
  succeeds("pkill", ["-f", `sshd -f ${site.runDir}/[^ ]*/sshd_config`]);
  rmSync(SSH_CLIENT_CONFIG, { force: true });
}
