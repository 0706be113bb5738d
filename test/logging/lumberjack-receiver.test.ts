import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { deflateSync } from "node:zlib";
import { startLumberjackReceiver } from "../support/lumberjack-receiver";

/** `2W` and the window size. */
function windowFrame(size: number): Buffer {
  const b = Buffer.alloc(6);
  b.write("2W", 0, "latin1");
  b.writeUInt32BE(size, 2);
  return b;
}

/** `2J`, the sequence, the length and the JSON event. */
function jsonFrame(seq: number, event: object): Buffer {
  const json = Buffer.from(JSON.stringify(event));
  const b = Buffer.alloc(10);
  b.write("2J", 0, "latin1");
  b.writeUInt32BE(seq, 2);
  b.writeUInt32BE(json.length, 6);
  return Buffer.concat([b, json]);
}

/** `2C`, the length and the zlib-compressed frames. */
function compressedFrame(...frames: Buffer[]): Buffer {
  const payload = deflateSync(Buffer.concat(frames));
  const b = Buffer.alloc(6);
  b.write("2C", 0, "latin1");
  b.writeUInt32BE(payload.length, 2);
  return Buffer.concat([b, payload]);
}

test("a window of compressed JSON frames, sent in pieces: every event kept, the window's last sequence acknowledged once", async () => {
  const receiver = await startLumberjackReceiver();
  try {
    const socket = connect(receiver.port, "127.0.0.1");
    const acks: Buffer[] = [];
    socket.on("data", (d: Buffer) => acks.push(d));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    const batch = Buffer.concat([
      windowFrame(3),
      compressedFrame(jsonFrame(1, { message: "a" }), jsonFrame(2, { message: "b" })),
      jsonFrame(3, { message: "c", fields: { service: "x" } }),
    ]);
    // In three pieces, cut inside frames.
    for (const [from, to] of [
      [0, 4],
      [4, 20],
      [20, batch.length],
    ])
      socket.write(batch.subarray(from, to));
    const until = Date.now() + 5000;
    while (acks.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(receiver.events, [
      { message: "a" },
      { message: "b" },
      { message: "c", fields: { service: "x" } },
    ]);
    assert.deepEqual(Buffer.concat(acks), Buffer.from([0x32, 0x41, 0, 0, 0, 3]));
    socket.destroy();
  } finally {
    await receiver.close();
  }
});
