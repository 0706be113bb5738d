/**
 * ZooKeeper's client protocol (jute over TCP), as the text of a Node program's first lines: the
 * deploy-time step that sets the ensemble's ACLs (zookeeper-acl-program.ts) runs it where `pulumi
 * up` runs, like the quorum probe, and needs no ZooKeeper client library there.
 *
 * It defines:
 * - `zkOpen(host, port)`: a session (`call(type, body, what)`), one request at a time, answered in
 *   order; a refused session (a member outside any quorum) or a closed connection rejects;
 * - `zkOps(session)`: `auth` (digest), `create`, `getData`, `getChildren`, `getAcl`, `setAcl`,
 *   `close`; a failed operation rejects with a `ZkError` whose `code` is ZooKeeper's;
 * - `digestId(user, password)`: the id of a `digest` ACL entry (`user:base64(sha1(user:password))`);
 * - `aclEntry(who, perms, passwords)`: an ACL entry for `anyone` or a digest user, `perms` in
 *   ZooKeeper's letters (`cdrwa`).
 */
export const ZK_WIRE = String.raw`
const net = require("node:net"), crypto = require("node:crypto");
const ZK_OP = { create: 1, getData: 4, getAcl: 6, setAcl: 7, getChildren: 8, close: -11, auth: 100 };
const ZK_PERM = { r: 1, w: 2, c: 4, d: 8, a: 16 };
const ZK_CODES = { "-101": "no such node", "-102": "not authorized", "-110": "node exists", "-115": "authentication failed", "-124": "authentication required" };
class ZkError extends Error { constructor(code, what) { super(what + ": " + (ZK_CODES[code] ?? "ZooKeeper error " + code)); this.code = code; } }
const jInt = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const jBuf = (b) => Buffer.concat([jInt(b.length), b]);
const jStr = (s) => jBuf(Buffer.from(s, "utf8"));
const jBool = (v) => Buffer.from([v ? 1 : 0]);
const jAcl = (acl) => Buffer.concat([jInt(acl.length), ...acl.map((x) => Buffer.concat([jInt(x.perms), jStr(x.scheme), jStr(x.id)]))]);
const frame = (...parts) => { const body = Buffer.concat(parts); return Buffer.concat([jInt(body.length), body]); };
class JReader {
  constructor(b) { this.b = b; this.o = 0; }
  int() { const v = this.b.readInt32BE(this.o); this.o += 4; return v; }
  long() { const v = this.b.readBigInt64BE(this.o); this.o += 8; return v; }
  buf() { const n = this.int(); if (n < 0) return null; const v = this.b.subarray(this.o, this.o + n); this.o += n; return v; }
  str() { const v = this.buf(); return v === null ? null : v.toString("utf8"); }
  list(item) { const n = this.int(); const out = []; for (let i = 0; i < n; i++) out.push(item(this)); return out; }
}
const zkOpen = (host, port) => new Promise((opened, refused) => {
  const s = net.connect(port, host), pending = []; let buf = Buffer.alloc(0), xid = 0, isOpen = false;
  const failAll = (x) => { if (!isOpen) refused(x); for (const p of pending.splice(0)) p.fail(x); };
  s.setTimeout(5000, () => s.destroy(new Error("no answer within 5 s")));
  s.on("error", failAll);
  s.on("close", () => failAll(new Error("connection closed by " + host + ":" + port)));
  // ConnectRequest: protocol 0, last zxid 0, a 10 s session, no session id, an empty password, not read-only.
  s.on("connect", () => s.write(frame(jInt(0), Buffer.alloc(8), jInt(10000), Buffer.alloc(8), jBuf(Buffer.alloc(16)), jBool(false))));
  const session = {
    call: (type, body, what) => new Promise((ok, fail) => { pending.push({ ok, fail, what }); s.write(frame(jInt(type === ZK_OP.auth ? -4 : ++xid), jInt(type), body)); }),
    end: () => { s.removeAllListeners("close"); s.end(frame(jInt(++xid), jInt(ZK_OP.close))); },
  };
  const answer = (r) => {
    if (!isOpen) { r.int(); const timeout = r.int(); if (timeout <= 0) return s.destroy(new Error("session refused by " + host + ":" + port + " (no quorum)")); isOpen = true; return opened(session); }
    const x = r.int(); r.long(); const err = r.int();
    if (x === -1 || x === -2) return; // a watch event or a ping's answer
    const p = pending.shift(); if (p) err === 0 ? p.ok(r) : p.fail(new ZkError(err, p.what));
  };
  s.on("data", (d) => { buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) { const n = buf.readInt32BE(0); const r = new JReader(buf.subarray(4, 4 + n)); buf = buf.subarray(4 + n); answer(r); } });
});
const zkOps = (z) => ({
  auth: (user, password) => z.call(ZK_OP.auth, Buffer.concat([jInt(0), jStr("digest"), jStr(user + ":" + password)]), "authentication as " + user),
  create: (path, acl) => z.call(ZK_OP.create, Buffer.concat([jStr(path), jInt(0), jAcl(acl), jInt(0)]), "create " + path).then((r) => r.str()),
  getData: (path) => z.call(ZK_OP.getData, Buffer.concat([jStr(path), jBool(false)]), "read " + path).then((r) => r.buf()),
  getChildren: (path) => z.call(ZK_OP.getChildren, Buffer.concat([jStr(path), jBool(false)]), "list " + path).then((r) => r.list((x) => x.str())),
  getAcl: (path) => z.call(ZK_OP.getAcl, jStr(path), "read the ACL of " + path).then((r) => r.list((x) => ({ perms: x.int(), scheme: x.str(), id: x.str() }))),
  setAcl: (path, acl) => z.call(ZK_OP.setAcl, Buffer.concat([jStr(path), jAcl(acl), jInt(-1)]), "set the ACL of " + path),
  close: () => z.end(),
});
const digestId = (user, password) => user + ":" + crypto.createHash("sha1").update(user + ":" + password).digest("base64");
const aclEntry = (who, perms, passwords) => ({
  perms: [...perms].reduce((p, c) => p | ZK_PERM[c], 0),
  scheme: who === "anyone" ? "world" : "digest",
  id: who === "anyone" ? "anyone" : digestId(who, passwords[who]),
});
`;
