/**
 * For a program that takes a secret only as an environment variable or a command-line option
 * (Marathon's ZooKeeper URLs, Chronos' `--zk_auth`): an entrypoint that reads the values from
 * files of the container when it starts, so they are in files uploaded as secrets and not in the
 * container's configuration (`docker inspect`). Pure.
 */

/** What is read from which file: variables exported, options appended after the command's arguments. */
export interface FileValues {
  /** Variable name → file. */
  env?: Record<string, string>;
  /** Option (`--flag`) → file. */
  options?: Record<string, string>;
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
 * The entrypoint (`/bin/sh -c`) that reads `values` and then `exec`s `entrypoint` with the
 * container's command as its arguments, followed by the options read. A file that cannot be read
 * stops the start before the program runs (`set -e`; every value is read into a variable first,
 * since a failed read inside `exec`'s arguments would not stop it).
 */
export function startWithFiles(entrypoint: readonly string[], values: FileValues): string[] {
  const lines = ["set -e"];
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
