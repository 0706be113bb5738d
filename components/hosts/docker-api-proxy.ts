/**
 * The Docker API as a part that reads it sees it: a proxy in front of the host's Engine that
 * passes only the read-only calls the part makes, pure. The Engine's socket gives whoever can
 * connect to it root on the host (it can start a privileged container), and mounting it read-only
 * restricts nothing; the part gets the proxy's socket instead, in a host folder only the two mount.
 * The proxy is HAProxy (the balancers' image), which alone holds the Engine's socket: it answers
 * 403 to any other method or path, and passes the rest through, streams (`/events`) included.
 *
 * What each part calls, as measured through the proxy (test/hosts/docker-api-proxy-real.test.ts,
 * test/logging/filebeat-real.test.ts): both ask the Engine's version and info and inspect
 * containers; Filebeat also lists them and follows the event stream. Inspection shows a
 * container's configuration, its environment included: the platform keeps no secret there
 * (docs/security.md).
 */
import { HostSpec } from "../core/config-schema";
import { ContainerSpec, ContainerVolumeSpec, platformLabels } from "../core/container-spec";
import { containerName, usesHostNetwork } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";

/** The parts that read the Docker API through a proxy. */
export type DockerApiClient = "cadvisor" | "filebeat";

/** The calls each part may make: `GET`/`HEAD` of these paths, after an optional `/v1.xx` prefix. */
export const DOCKER_API_ALLOWED: Record<DockerApiClient, readonly string[]> = {
  cadvisor: ["_ping", "version", "info", "containers/json", "containers/[A-Za-z0-9_.-]+/json"],
  filebeat: [
    "_ping",
    "version",
    "info",
    "containers/json",
    "containers/[A-Za-z0-9_.-]+/json",
    "events",
  ],
};

/** The Engine's socket on a host, which only the proxy mounts. */
export const ENGINE_SOCKET = "/var/run/docker.sock";

/** The folder of the proxy's socket, in the proxy and in its part. */
export const DOCKER_API_DIR = "/run/docker-api";

/** The proxy's socket, as its part names it. */
export const DOCKER_API_SOCKET = `${DOCKER_API_DIR}/docker.sock`;

/** Where the proxy's configuration is in its container. */
export const DOCKER_API_PROXY_CONFIG = "/usr/local/etc/haproxy/haproxy.cfg";

/** The regular expression a call's path must match for `client`. */
export function dockerApiPathPattern(client: DockerApiClient): string {
  return `^(/v[0-9]+\\.[0-9]+)?/(${DOCKER_API_ALLOWED[client].join("|")})$`;
}

/**
 * haproxy.cfg of the proxy of `client`. Streams may stay quiet for long (`/events`): the client
 * and server timeouts are a day, the request's own is 10 s.
 */
export function renderDockerApiProxyConfig(client: DockerApiClient): string {
  return [
    `# Docker API proxy of ${client}; generated, do not edit`,
    "global",
    "  maxconn 64",
    "  log stdout format raw local0",
    "defaults",
    "  mode http",
    // Every call in the container's log, with its status: a refused one is a 403.
    "  log global",
    "  option httplog",
    "  timeout connect 5s",
    "  timeout http-request 10s",
    "  timeout client 24h",
    "  timeout server 24h",
    "frontend docker-api",
    `  bind unix@${DOCKER_API_SOCKET} mode 600`,
    "  acl read_only method GET HEAD",
    `  acl allowed path_reg ${dockerApiPathPattern(client)}`,
    "  http-request deny deny_status 403 unless read_only allowed",
    "  default_backend engine",
    "backend engine",
    `  server engine ${ENGINE_SOCKET}`,
    "",
  ].join("\n");
}

type ProxySite = Pick<PlatformSpec, "stack" | "local" | "images">;

/**
 * The host folder the proxy of `client` on `host` and its part share, holding the proxy's socket:
 * under /run, so a host's restart leaves no stale socket.
 */
export function dockerApiHostDir(spec: ProxySite, client: DockerApiClient, host: HostSpec): string {
  return `/run/lhcb-platform/${containerName(spec, `${client}-docker-api`, host.id)}`;
}

/** How the part mounts the proxy's socket (read-only: it connects, and writes nothing there). */
export function dockerApiMount(
  spec: ProxySite,
  client: DockerApiClient,
  host: HostSpec,
): ContainerVolumeSpec {
  return {
    hostPath: dockerApiHostDir(spec, client, host),
    containerPath: DOCKER_API_DIR,
    readOnly: true,
  };
}

/**
 * The proxy of `client` on `host`: root (the Engine's socket is root's; its part runs as root
 * too and reaches the proxy's socket, mode 600), no capability. It listens on nothing but its
 * socket.
 */
export function dockerApiProxyContainer(
  spec: ProxySite,
  client: DockerApiClient,
  host: HostSpec,
): ContainerSpec {
  const name = containerName(spec, `${client}-docker-api`, host.id);
  return {
    name,
    image: spec.images.loadBalancer,
    user: "root",
    capabilities: [],
    hostNetwork: usesHostNetwork(spec),
    command: ["haproxy", "-W", "-db", "-f", DOCKER_API_PROXY_CONFIG],
    restart: "always",
    files: [{ path: DOCKER_API_PROXY_CONFIG, content: renderDockerApiProxyConfig(client) }],
    volumes: [
      { hostPath: ENGINE_SOCKET, containerPath: ENGINE_SOCKET },
      { hostPath: dockerApiHostDir(spec, client, host), containerPath: DOCKER_API_DIR },
    ],
    labels: platformLabels(spec.stack, `${client}-docker-api`, { "platform.host": host.id }),
    stopGraceSeconds: 5,
  };
}
