// The project's DISET client (scripts/bench/diset.ts) against a service of the test's own: the
// frames it sends are those DIRAC 9.1.22's own client sends for the same call (captured from it),
// frames that arrive in pieces or behind a keep-alive are read whole, and a service that says
// nothing, refuses the call or closes the connection is told apart. The same client against
// DIRAC's real services: test/dirac/dirac-image-real.test.ts.
import assert from "node:assert/strict";
import { AddressInfo, createServer, Server, Socket } from "node:net";
import { deflateSync } from "node:zlib";
import { after, test } from "node:test";
import {
  configurationText,
  DisetConnection,
  disetCall,
  encodeFrame,
  FrameReader,
} from "../../scripts/bench/diset";

test("a frame is the JSON's length in bytes (é is two), ':', the JSON", () => {
  assert.equal(
    encodeFrame({ OK: true, Value: "é" }).toString("utf8"),
    '24:{"OK":true,"Value":"é"}',
  );
  assert.equal(encodeFrame([]).toString(), "2:[]");
});

test("frames are read whole however the bytes arrive; keep-alives are skipped; anything else is refused", () => {
  const bytes = Buffer.concat([
    encodeFrame({ OK: true, Value: 1 }),
    Buffer.from("dka"),
    encodeFrame({ id: "k1" }),
    encodeFrame({ OK: false, Message: "no" }),
  ]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const r = new FrameReader();
    const frames = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
    assert.deepEqual(frames, [
      { OK: true, Value: 1 },
      { OK: false, Message: "no" },
    ]);
  }
  const oneByOne = new FrameReader();
  const frames = [...bytes].flatMap((b) => oneByOne.push(Buffer.from([b])));
  assert.equal(frames.length, 2);
  assert.throws(
    () => new FrameReader().push(Buffer.from("Server: nginx\r\n")),
    /^Error: not a DISET frame: "Server" before ':'$/,
  );
  assert.throws(
    () => new FrameReader().push(Buffer.from("x".repeat(30))),
    /^Error: not a DISET frame: "x{20}"… without ':'$/,
  );
});

/** A service of the test's own: `answer` gets each frame it receives and says what to send back. */
function fakeService(answer: (frame: unknown, socket: Socket) => unknown): Promise<Server> {
  const server = createServer((socket) => {
    const reader = new FrameReader();
    socket.on("data", (chunk) => {
      for (const frame of reader.push(chunk)) {
        const reply = answer(frame, socket);
        if (reply !== undefined) socket.write(encodeFrame(reply));
      }
    });
    socket.on("error", () => undefined);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

const portOf = (s: Server) => (s.address() as AddressInfo).port;

test("a call sends DIRAC's own proposal, then the arguments once accepted, and returns the result", async () => {
  const received: unknown[] = [];
  const server = await fakeService((frame) => {
    received.push(frame);
    return received.length === 1 ? { OK: true, Value: "" } : { OK: true, Value: { pong: 1 } };
  });
  const result = await disetCall("127.0.0.1", portOf(server), "Framework/Echo", "echo", ["x", 2]);
  assert.deepEqual(result, { OK: true, Value: { pong: 1 } });
  assert.deepEqual(received, [
    // What DIRAC 9.1.22's Client(url="dip://…/Framework/Echo") sent for the same call.
    { OK: true, Value: [["Framework/Echo", "None", "unknown"], ["RPC", "echo"], "", "9.1.22"] },
    { OK: true, Value: ["x", 2] },
  ]);
});

test("a refused proposal is the result, and no argument is sent", async () => {
  const received: unknown[] = [];
  const server = await fakeService((frame) => {
    received.push(frame);
    return { OK: false, Message: "Unauthorized query" };
  });
  const result = await disetCall("127.0.0.1", portOf(server), "Framework/Echo", "secret");
  assert.deepEqual(result, { OK: false, Message: "Unauthorized query" });
  assert.equal(received.length, 1);
});

test("a service that holds the connection and says nothing: no result; one that closes it: an error", async () => {
  const silent = await fakeService(() => undefined);
  const held = await DisetConnection.open("127.0.0.1", portOf(silent), 2000);
  assert.equal(await held.call("Framework/Echo", "ping", [], 300), undefined);
  await assert.rejects(
    disetCall("127.0.0.1", portOf(silent), "Framework/Echo", "ping", [], 300),
    /^Error: Framework\/Echo\.ping at 127\.0\.0\.1:\d+: no answer within 300 ms$/,
  );
  const closing = await fakeService((_frame, socket) => void socket.end());
  await assert.rejects(
    disetCall("127.0.0.1", portOf(closing), "Framework/Echo", "ping"),
    /the service closed the connection/,
  );
});

test("a Configuration Server's data: zlib-compressed text carried as base64", () => {
  const text = "DIRAC\n{\n  Configuration\n  {\n    Name = Local\n  }\n}\n";
  const obj = deflateSync(Buffer.from(text)).toString("base64");
  assert.equal(configurationText({ OK: true, Value: { __dCls: "b64", obj } }), text);
  assert.throws(() => configurationText({ OK: false, Message: "no" }), /not a Configuration/);
});
