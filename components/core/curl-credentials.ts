/**
 * How the platform's curl commands give basic-authentication credentials without putting them in
 * a command line (which every user of the machine can read) or in the command's text (kept in the
 * state): curl reads a `user = "..."` line of configuration (`-K`). Pure.
 */

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
