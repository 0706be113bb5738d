/**
 * How the platform's curl commands give basic-authentication credentials without putting them in
 * a command line (which every user of the machine can read) or in the command's text (kept in the
 * state): curl reads a `user = "..."` line of configuration (`-K`). Pure.
 */

/**
 * `curl` as the library's calls to a framework's API run it (Marathon's, Chronos'): failing on an
 * HTTP error, and asking again, every 2 s for about two minutes, while the API refuses the
 * connection or answers 5xx, as it does while the framework starts, elects a leader or registers
 * with Mesos: an `up` submits its apps right after creating their framework's container. Another
 * answer (a 4xx: the app refused) fails at once. A request is sent whole each time (curl reads a
 * body from standard input before the first).
 */
export const API_CURL =
  "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused";

/** The variable a command's API credentials (`user:password`, a secret) are in. */
export const API_CREDENTIALS_VARIABLE = "API_CREDENTIALS";

/** The shell words that print curl's configuration line for the credentials `value` (a shell expression). */
export function curlUserLine(value: string): string {
  return `printf 'user = "%s"\\n' ${value}`;
}

/**
 * `curl …` asking with the credentials in API_CREDENTIALS: its configuration is written to a
 * temporary file (0600, `mktemp`) and removed after, since its standard input may carry the body.
 */
export function withCurlCredentials(curl: string): string {
  if (!curl.startsWith("curl ")) throw new Error(`not a curl command: ${curl}`);
  const line = curlUserLine(`"$${API_CREDENTIALS_VARIABLE}"`);
  return `cfg=$(mktemp) && ${line} > "$cfg" || exit 1; curl -K "$cfg" ${curl.slice(5)}; s=$?; rm -f "$cfg"; exit $s`;
}
