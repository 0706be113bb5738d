/**
 * For a program that takes a secret only as an environment variable or a command-line option
 * (Marathon's ZooKeeper URLs, Chronos' `--zk_auth`): an entrypoint that reads the values from
 * files of the container when it starts, so they are in files uploaded as secrets and not in the
 * container's configuration (`docker inspect`). Pure.
 */

/**
 * What the entrypoint sets before the program runs: variables exported and options appended
 * after the command's arguments, each read from a file; the address the program advertises.
 */
export interface FileValues {
  /** Variable name → file. */
  env?: Record<string, string>;
  /** Option (`--flag`) → file. */
  options?: Record<string, string>;
  /**
   * For a program of the Mesos side on a host's network (`advertiseLines`): the host's address,
   * an IPv4 address or a DNS name, whose IPv4 address it advertises.
   */
  advertiseAddress?: string;
}

/** Whether `values` asks the entrypoint for anything. */
function setsAnything(values: FileValues): boolean {
  return (
    Object.keys(values.env ?? {}).length > 0 ||
    Object.keys(values.options ?? {}).length > 0 ||
    values.advertiseAddress !== undefined
  );
}

/**
 * The lines that export LIBPROCESS_ADVERTISE_IP: the first IPv4 address `address` resolves to
 * where the container starts, a loopback one aside. Mesos' masters, agents and frameworks
 * (libprocess) listen on every address and, without one to advertise, resolve their own
 * hostname to find one (3rdparty/libprocess/src/process.cpp, `initialize`): on a host's network
 * the container's name resolves to nothing, and the start stops ("Failed to obtain the IP
 * address"), and a host name that /etc/hosts maps to 127.0.1.1 would be advertised to every
 * other host as such. With no address to give, the start stops, saying why.
 */
function advertiseLines(address: string): string[] {
  const word = shellWord(address);
  return [
    `advertised=$(getent ahostsv4 ${word} | while read -r ip _; do case $ip in 127.*) ;; *) echo "$ip"; break ;; esac; done)`,
    `[ -n "$advertised" ] || { echo ${shellQuoted(`no IPv4 address of ${address} but a loopback one, to advertise to the other hosts (LIBPROCESS_ADVERTISE_IP): give ${address} its address in DNS or in the host's /etc/hosts`)} >&2; exit 1; }`,
    "LIBPROCESS_ADVERTISE_IP=$advertised",
    "export LIBPROCESS_ADVERTISE_IP",
  ];
}

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+-]+$/;

/** `text` single-quoted, as one shell word whatever it holds. */
export function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `word` as one shell word: as it is when nothing in it is special, else single-quoted. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : shellQuoted(word);
}

/**
 * The entrypoint a container is given for `values`: `startWithFiles` of the image's `entrypoint`,
 * or none when `values` sets nothing (the image's own runs).
 */
export function startEntrypoint(
  entrypoint: readonly string[],
  values: FileValues,
): string[] | undefined {
  return setsAnything(values) ? startWithFiles(entrypoint, values) : undefined;
}

/**
 * The entrypoint (`/bin/sh -c`) that reads `values` and then `exec`s `entrypoint` with the
 * container's command as its arguments, followed by the options read. A file that cannot be read
 * stops the start before the program runs (`set -e`; every value is read into a variable first,
 * since a failed read inside `exec`'s arguments would not stop it).
 */
export function startWithFiles(entrypoint: readonly string[], values: FileValues): string[] {
  const lines = ["set -e"];
  if (values.advertiseAddress !== undefined) lines.push(...advertiseLines(values.advertiseAddress));
  for (const [name, file] of Object.entries(values.env ?? {}))
    lines.push(`${name}=$(cat ${shellWord(file)})`, `export ${name}`);
  const appended: string[] = [];
  Object.entries(values.options ?? {}).forEach(([flag, file], i) => {
    lines.push(`option${i}=$(cat ${shellWord(file)})`);
    appended.push(shellWord(flag), `"$option${i}"`);
  });
  lines.push(["exec", ...entrypoint.map(shellWord), '"$@"', ...appended].join(" "));
  return ["/bin/sh", "-c", lines.join("\n"), entrypoint[0]];
}
