/**
 * A POSIX ustar archive built in memory: what the Docker Engine's `PUT /containers/{id}/archive`
 * takes to upload files into a container before it starts.
 */

export interface TarFile {
  /** Absolute or relative path; stored relative to the extraction root (leading `/` removed). */
  path: string;
  content: string | Buffer;
  /** Permission bits; default 0644 (0755 when `executable`). */
  mode?: number;
  executable?: boolean;
}

export interface TarOptions {
  /** Modification time (seconds since the epoch) of every entry; default now. */
  mtime?: number;
  /**
   * Parent directories (relative, no trailing slash, e.g. `etc`) that already exist at the target and
   * get no entry: an entry would reset their mode and owner (`/tmp` would lose its sticky bit).
   */
  existingDirs?: ReadonlySet<string>;
}

const BLOCK = 512;

/** Writes `value` as zero-padded octal into `size` bytes: `size - 1` digits and a NUL. */
function writeOctal(header: Buffer, offset: number, size: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > size - 1) throw new Error(`tar: value ${value} does not fit in ${size} bytes`);
  header.write(digits.padStart(size - 1, "0") + "\0", offset, size, "ascii");
}

/** Splits a path into ustar `prefix` (≤155 bytes) and `name` (≤100 bytes). */
export function splitTarPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

/** One 512-byte ustar header. `typeflag` "0" is a regular file, "5" a directory. */
export function tarHeader(path: string, size: number, mode: number, mtime: number, typeflag: "0" | "5"): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitTarPath(path);
  h.write(name, 0, 100, "utf8");
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum computed with its own field as spaces
  h.write(typeflag, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write("root", 265, 32, "ascii");
  h.write("root", 297, 32, "ascii");
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** The relative parent directories of a relative file path, outermost first: `a/b/c` → `a`, `a/b`. */
export function parentDirs(relPath: string): string[] {
  const parts = relPath.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Relative form of an upload path: leading slashes and `./` removed; rejects `..`. */
export function relativeTarPath(path: string): string {
  const rel = path.replace(/^\/+/, "").replace(/^(\.\/)+/, "");
  if (rel === "" || rel.endsWith("/") || rel.split("/").includes("..")) throw new Error(`tar: invalid file path ${JSON.stringify(path)}`);
  return rel;
}

/** Builds the archive: a directory entry (0755) for every parent not in `existingDirs`, then the files. */
export function buildTar(files: TarFile[], options: TarOptions = {}): Buffer {
  const mtime = options.mtime ?? Math.floor(Date.now() / 1000);
  const existing = options.existingDirs ?? new Set<string>();
  const blocks: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    const rel = relativeTarPath(f.path);
    for (const d of parentDirs(rel)) {
      if (dirs.has(d) || existing.has(d)) continue;
      dirs.add(d);
      blocks.push(tarHeader(`${d}/`, 0, 0o755, mtime, "5"));
    }
    const data = typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content;
    blocks.push(tarHeader(rel, data.length, f.mode ?? (f.executable ? 0o755 : 0o644), mtime, "0"));
    blocks.push(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) blocks.push(Buffer.alloc(pad, 0));
  }
  blocks.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(blocks);
}
