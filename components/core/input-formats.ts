/**
 * Formats of the strings the stack files and the catalog give, checked before anything is
 * declared: each value ends up in a file another program parses (zoo.cfg, haproxy.cfg, a
 * consul-template template, Mesos flags) or on a command line, where a stray character would
 * change the meaning instead of failing. Pure.
 */
import { isIPv4, isIPv6 } from "node:net";

/** One DNS label: letters, digits and inner '-', at most 63 characters (RFC 1123). */
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name of labels separated by '.', at most 253 characters; a trailing '.' is not accepted. */
export function isDnsName(value: string): boolean {
  return value.length <= 253 && value.split(".").every((label) => DNS_LABEL.test(label));
}

/**
 * A DNS name or an IPv4 address. Not an IPv6 address: the platform writes a host's address into
 * URLs (`http://<address>:8500`), `host:port` pairs and its parts' configurations as it is, where
 * an IPv6 address needs brackets; a host on IPv6 is named by DNS.
 */
export function isHostAddress(value: string): boolean {
  return isIPv4(value) || isDnsName(value);
}

/**
 * True for a source a firewall rule can name: an IPv4 or IPv6 address, a network of either in
 * CIDR notation (`192.0.2.0/24`, `2001:db8::/32`), or a DNS name.
 */
export function isNetworkSource(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  // No zone (`fe80::1%eth0`) and no IPv4 address written as IPv6 (`::ffff:192.0.2.1`): iptables
  // takes neither. A name has a letter (`10.0.0` is no address, and would read as one).
  if (rest.length > 0 || address.includes("%") || /^::ffff:/i.test(address)) return false;
  if (prefix === undefined)
    return isIPv4(address) || isIPv6(address) || (isDnsName(address) && /[a-z]/i.test(address));
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return (isIPv4(address) && bits <= 32) || (isIPv6(address) && bits <= 128);
}

export const NETWORK_SOURCE_EXPECTED =
  "an IPv4 or IPv6 address, a network in CIDR notation (192.0.2.0/24, 2001:db8::/32) or a DNS name";

export const HOST_ADDRESS_EXPECTED =
  "a DNS name (letters, digits, inner '-', labels of at most 63 characters separated by '.') or an IPv4 address (a host on IPv6 is named by DNS)";

// The image reference grammar of Docker's distribution/reference package, written out:
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component ( "/" path-component )*
//   domain    := domain-component ( "." domain-component )* [ ":" port ]
// The first segment is a registry only when it has a '.' or a ':' or is `localhost`: a bare first
// segment is part of the path, lower case like the rest (`LHCB/svc` would name a registry "LHCB").
const DOMAIN_COMPONENT = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const DOMAIN = `(?:localhost(?::[0-9]+)?|${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?:\\.${DOMAIN_COMPONENT}(?::[0-9]+)?|:[0-9]+))`;
const PATH_COMPONENT = "(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}";
const IMAGE_REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
const REGISTRY_PREFIX = new RegExp(`^${NAME}$`);

/** The longest repository name Docker accepts. */
const MAX_NAME_LENGTH = 255;

/** A Docker image reference: `registry.cern.ch:5000/lhcb/service:1.0`, lower-case repository path. */
export function isImageReference(value: string): boolean {
  const m = IMAGE_REFERENCE.exec(value);
  return m !== null && m[1].length <= MAX_NAME_LENGTH;
}

export const IMAGE_REFERENCE_EXPECTED =
  "a Docker image reference: [registry[:port]/]path[:tag][@digest], the path in lower case (letters, digits, '.', '_', '-' between them)";

/** A registry prefix the images are put under: `registry.cern.ch/lhcb`, or empty for none. */
export function isRegistryPrefix(value: string): boolean {
  const prefix = value.replace(/\/+$/, "");
  // The prefix is right when an image put under it is a repository name.
  return prefix === "" || (REGISTRY_PREFIX.test(`${prefix}/x`) && prefix.length < MAX_NAME_LENGTH);
}

/** `ssh://[user@]host[:port]`, `tcp://host:port` or `unix:///absolute/path`: what the Docker provider dials. */
export function dockerHostProblem(value: string): string | undefined {
  const expected =
    "a Docker host URL: ssh://[user@]host[:port], tcp://host:port (with certPath) or unix:///absolute/path";
  const m = /^(ssh|tcp|unix):\/\/(.*)$/.exec(value);
  if (m === null) return expected;
  const [, scheme, rest] = m;
  if (scheme === "unix") return /^\/[A-Za-z0-9._/-]+$/.test(rest) ? undefined : expected;
  const hostPort =
    /^(?:([a-z_][a-z0-9_.-]{0,31})@)?(\[[0-9A-Fa-f:.]+\]|[^:@/[\]]+)(?::([0-9]+))?$/.exec(rest);
  if (hostPort === null) return expected;
  const [, , rawHost, port] = hostPort;
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  const hostOk = rawHost.startsWith("[") ? isIPv6(host) : isIPv4(host) || isDnsName(host);
  if (!hostOk) return `${expected}; the host is not a DNS name or IP address`;
  if (port !== undefined && !isPort(Number(port))) return `${expected}; the port is not 1-65535`;
  if (scheme === "tcp" && port === undefined) return `${expected}; tcp:// needs the port`;
  return undefined;
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * An HTTP path a health check asks (HAProxy's `option httpchk GET <path>`, Consul's check URL):
 * '/' then unreserved characters, '%' escapes and a query of '=' and '&'. Spaces, quotes, '#',
 * '{' and control characters would end or change the HAProxy line or the template.
 */
export const HTTP_PATH = /^\/[A-Za-z0-9._~%/-]*(\?[A-Za-z0-9._~%=&-]*)?$/;

export const HTTP_PATH_EXPECTED =
  "an HTTP path: '/' then letters, digits, '.', '_', '~', '%', '-', '/' and an optional ?query of those and '=', '&'";

/** Strings that reach a container's environment or command line: no NUL, which neither can hold. */
export function hasNul(value: string): boolean {
  return value.includes("\0");
}

/**
 * Mesos attribute text (`--attributes`, which host labels become): letters, digits, '_', '.',
 * '/', '-'. A ':', ';', ',', space or bracket would split or change the attribute.
 */
export const MESOS_ATTRIBUTE_TEXT = /^[A-Za-z0-9_./-]+$/;
