import { containerName, Site } from "../core/endpoints";

/** Root of the directories the platform keeps on a host's own filesystem. */
export const HOST_DATA_ROOT = "/var/lib/lhcb-platform";

/**
 * A directory on the host that containers share by path: `/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-1`.
 * The stack and host id are part of it, so environments (and the hosts of the local stack, which
 * all live on one machine) never share one by accident.
 */
export function hostDataDir(site: Site, part: string, hostId: string): string {
  return `${HOST_DATA_ROOT}/${containerName(site, part, hostId)}`;
}

/**
 * Work directory of the Mesos agent on a host. The Docker containerizer bind-mounts task sandboxes
 * from it into task containers by their host path, so it is mounted at the same path inside the
 * agent's container.
 */
export function agentWorkDir(site: Site, hostId: string): string {
  return hostDataDir(site, "mesos-agent", hostId);
}

/**
 * The directory on a master shared by the whitelist renderer (writer) and the Mesos master
 * (reader). A directory, not the file: consul-template replaces the file by renaming a new one
 * over it, which a single-file bind mount would not see.
 */
export function whitelistHostDir(site: Site, hostId: string): string {
  return hostDataDir(site, "mesos-whitelist", hostId);
}
