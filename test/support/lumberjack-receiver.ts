// A receiver of the Lumberjack v2 protocol, which Filebeat's `output.logstash` speaks, standing in
// for Logstash's beats input (Logstash cannot run here): it keeps every event it is sent and
// acknowledges each window once all of its events are in.
//
// Frames start with the version byte `2` and a type byte: `W` (uint32 window size), `C` (uint32
// length, then zlib-compressed frames), `J` (uint32 sequence, uint32 length, a JSON event). The
// receiver answers `2A` and the uint32 sequence of the window's last event.
import { createServer, Socket } from "node:net";
import { createServer as createTlsServer, TLSSocket } from "node:tls";
import { inflateSync } from "node:zlib";

export interface LumberjackReceiver {
  port: number;
  /** Every event received, in order. */
  events: Record<string, unknown>[];
  /** With TLS: the subject CN of each client's certificate, connection by connection. */
  clients: string[];
  close(): Promise<void>;
}

/** One connection's state: the bytes not yet parsed, the window, and the events of it so far. */
interface Connection {
  pending: Buffer;
  window: number;
  inWindow: number;
}

/**
 * Parses the complete frames at the start of `data`, returning how many bytes they took; calls
 * `onEvent` for each JSON event and `onWindow` for each window size.
 */
export function parseFrames(
  data: Buffer,
  onEvent: (seq: number, event: Record<string, unknown>) => void,
  onWindow: (size: number) => void,
): number {
  let at = 0;
  for (;;) {
    if (data.length < at + 2) return at;
    const [version, type] = [data[at], String.fromCharCode(data[at + 1])];
    if (version !== 0x32) throw new Error(`lumberjack: version ${version} is not 2`);
    if (type === "W") {
      if (data.length < at + 6) return at;
      onWindow(data.readUInt32BE(at + 2));
      at += 6;
    } else if (type === "C") {
      if (data.length < at + 6) return at;
      const length = data.readUInt32BE(at + 2);
      if (data.length < at + 6 + length) return at;
      const inner = inflateSync(data.subarray(at + 6, at + 6 + length));
      const used = parseFrames(inner, onEvent, onWindow);
      if (used !== inner.length) throw new Error("lumberjack: a compressed frame ends mid-frame");
      at += 6 + length;
    } else if (type === "J") {
      if (data.length < at + 10) return at;
      const seq = data.readUInt32BE(at + 2);
      const length = data.readUInt32BE(at + 6);
      if (data.length < at + 10 + length) return at;
      const json = data.subarray(at + 10, at + 10 + length).toString("utf8");
      onEvent(seq, JSON.parse(json) as Record<string, unknown>);
      at += 10 + length;
    } else throw new Error(`lumberjack: unknown frame type ${JSON.stringify(type)}`);
  }
}

/** The acknowledgement of every event up to `seq`. */
export function ackFrame(seq: number): Buffer {
  const ack = Buffer.alloc(6);
  ack.write("2A", 0, "latin1");
  ack.writeUInt32BE(seq, 2);
  return ack;
}

/**
 * TLS as Logstash's Beats input speaks it with `ssl_client_authentication => "required"`: the
 * receiver's key and certificate (PEM), and the CA a client's certificate must be of.
 */
export interface ReceiverTls {
  key: string;
  cert: string;
  ca: string;
}

/** Starts a receiver on `host:port` (port 0: any free one), over TLS when `tls` is given. */
export async function startLumberjackReceiver(
  host = "127.0.0.1",
  port = 0,
  tls?: ReceiverTls,
): Promise<LumberjackReceiver> {
  const events: Record<string, unknown>[] = [];
  const clients: string[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const c: Connection = { pending: Buffer.alloc(0), window: 0, inWindow: 0 };
    socket.on("data", (chunk: Buffer) => {
      c.pending = Buffer.concat([c.pending, chunk]);
      try {
        const used = parseFrames(
          c.pending,
          (seq, event) => {
            events.push(event);
            c.inWindow += 1;
            if (c.inWindow >= c.window) {
              socket.write(ackFrame(seq));
              c.inWindow = 0;
            }
          },
          (size) => {
            c.window = size;
            c.inWindow = 0;
          },
        );
        c.pending = c.pending.subarray(used);
      } catch (e) {
        socket.destroy(e as Error);
      }
    });
    socket.on("error", () => socket.destroy());
  };
  const server = tls
    ? createTlsServer(
        { ...tls, requestCert: true, rejectUnauthorized: true },
        (socket: TLSSocket) => {
          clients.push(String(socket.getPeerCertificate().subject?.CN));
          onSocket(socket);
        },
      )
    : createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    port: address.port,
    events,
    clients,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
