// The in-memory ustar builder: header fields, checksum and padding parsed back byte by byte.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildTar, parentDirs, splitTarPath, tarHeader } from "../../components/dynamic/ustar";

interface Entry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  magic: string;
  version: string;
  content: string;
}

const str = (b: Buffer, off: number, len: number) => b.subarray(off, off + len).toString("utf8").replace(/\0.*$/s, "");
const oct = (b: Buffer, off: number, len: number) => parseInt(str(b, off, len).trim(), 8);

function parseTar(tar: Buffer): Entry[] {
  assert.equal(tar.length % 512, 0);
  const out: Entry[] = [];
  let off = 0;
  for (;;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    // checksum: sum of all bytes with the checksum field counted as spaces, stored as 6 octal digits, NUL, space
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    const expected = copy.reduce((a, x) => a + x, 0);
    assert.equal(h.subarray(148, 156).toString("ascii"), expected.toString(8).padStart(6, "0") + "\0 ");
    const prefix = str(h, 345, 155);
    const e: Entry = {
      name: (prefix ? `${prefix}/` : "") + str(h, 0, 100),
      mode: oct(h, 100, 8),
      uid: oct(h, 108, 8),
      gid: oct(h, 116, 8),
      size: oct(h, 124, 12),
      mtime: oct(h, 136, 12),
      typeflag: str(h, 156, 1),
      magic: h.subarray(257, 263).toString("ascii"),
      version: h.subarray(263, 265).toString("ascii"),
      content: "",
    };
    off += 512;
    e.content = tar.subarray(off, off + e.size).toString("utf8");
    off += Math.ceil(e.size / 512) * 512;
    out.push(e);
  }
  // the end: two zero blocks, nothing after
  assert.equal(tar.length, off + 1024);
  assert.ok(tar.subarray(off).every((x) => x === 0));
  return out;
}

test("files with parent directory entries, modes 0644/0755, content and padding", () => {
  const tar = buildTar(
    [
      { path: "/etc/app/conf.d/a.conf", content: "a=1\n" },
      { path: "/etc/app/run.sh", content: "#!/bin/sh\necho hi\n", executable: true },
      { path: "/srv/data.bin", content: Buffer.alloc(600, 0x41) },
    ],
    { mtime: 1_700_000_000 },
  );
  const entries = parseTar(tar);
  assert.deepEqual(
    entries.map((e) => [e.name, e.typeflag, e.mode.toString(8), e.size]),
    [
      ["etc/", "5", "755", 0],
      ["etc/app/", "5", "755", 0],
      ["etc/app/conf.d/", "5", "755", 0],
      ["etc/app/conf.d/a.conf", "0", "644", 4],
      ["etc/app/run.sh", "0", "755", 18],
      ["srv/", "5", "755", 0],
      ["srv/data.bin", "0", "644", 600],
    ],
  );
  for (const e of entries) {
    assert.equal(e.magic, "ustar\0");
    assert.equal(e.version, "00");
    assert.equal(e.uid, 0);
    assert.equal(e.gid, 0);
    assert.equal(e.mtime, 1_700_000_000);
  }
  assert.equal(entries[3].content, "a=1\n");
  assert.equal(entries[6].content, "A".repeat(600));
  // 7 headers + 1 + 1 + 2 content blocks + 2 end blocks
  assert.equal(tar.length, (7 + 4 + 2) * 512);
});

test("existing directories get no entry (their mode and owner stay)", () => {
  const entries = parseTar(buildTar([{ path: "/tmp/x/y.txt", content: "y" }], { mtime: 0, existingDirs: new Set(["tmp"]) }));
  assert.deepEqual(entries.map((e) => e.name), ["tmp/x/", "tmp/x/y.txt"]);
});

test("exact header bytes of a small file", () => {
  const h = tarHeader("a.txt", 5, 0o644, 0o1234, "0");
  assert.equal(h.length, 512);
  assert.equal(h.subarray(0, 6).toString("ascii"), "a.txt\0");
  assert.equal(h.subarray(100, 108).toString("ascii"), "0000644\0");
  assert.equal(h.subarray(108, 116).toString("ascii"), "0000000\0");
  assert.equal(h.subarray(124, 136).toString("ascii"), "00000000005\0");
  assert.equal(h.subarray(136, 148).toString("ascii"), "00000001234\0");
  assert.equal(h.subarray(156, 157).toString("ascii"), "0");
  assert.equal(h.subarray(265, 270).toString("ascii"), "root\0");
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  const sum = copy.reduce((a, x) => a + x, 0);
  assert.equal(h.subarray(148, 156).toString("ascii"), `${sum.toString(8).padStart(6, "0")}\0 `);
});

test("long paths split into prefix and name; bad paths rejected", () => {
  const long = `${"d".repeat(80)}/${"e".repeat(60)}/f.txt`;
  assert.deepEqual(splitTarPath(long), { prefix: `${"d".repeat(80)}/${"e".repeat(60)}`, name: "f.txt" });
  const entries = parseTar(buildTar([{ path: `/${long}`, content: "x" }], { mtime: 0 }));
  assert.equal(entries[entries.length - 1].name, long);
  assert.throws(() => buildTar([{ path: "/a/../b", content: "" }]), /invalid file path/);
  assert.throws(() => splitTarPath("x".repeat(101)), /too long/);
  assert.deepEqual(parentDirs("a/b/c"), ["a", "a/b"]);
});

test("GNU tar reads the archive back (modes, names, content)", async () => {
  const { spawnSync } = await import("node:child_process");
  const tar = buildTar([{ path: "/opt/x/run.sh", content: "echo ok\n", executable: true }], { mtime: 1_700_000_000 });
  const list = spawnSync("tar", ["-tvf", "-"], { input: tar, encoding: "utf8" });
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^drwxr-xr-x root\/root +0 .* opt\/$/m);
  assert.match(list.stdout, /^-rwxr-xr-x root\/root +8 .* opt\/x\/run\.sh$/m);
  const cat = spawnSync("tar", ["-xOf", "-", "opt/x/run.sh"], { input: tar, encoding: "utf8" });
  assert.equal(cat.stdout, "echo ok\n");
});
