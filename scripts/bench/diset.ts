// DIRAC's DISET protocol over plain TCP (`dip`), as much as a client's RPC call needs, so the
// tests and the bench call DIRAC's services by themselves, through the balancers or directly,
// at hundreds of calls a second. One call is one connection (DIRAC's services close it after the
// answer):
//   1. the proposal: [[System/Component, setup, VO], ["RPC", method], credentials, version];
//   2. the service's answer to it, S_OK or S_ERROR;
//   3. the call's arguments, as S_OK(list);
//   4. the result, S_OK(value) or S_ERROR(message).
// Every message is a frame: the length in bytes of its JSON, ':', the JSON (DIRAC 9's default
// encoding). A keep-alive frame is the same prefixed with `dka`; DIRAC sends them only to clients
// that ask for them, and this one skips them.
import { connect, Socket } from "node:net";
import { inflateSync } from "node:zlib";

/** DIRAC's result of a call: `{OK: true, Value}` or `{OK: false, Message}`. */
export interface DisetResult {
  OK: boolean;
  Value?: unknown;
  Message?: string;
}

/** The version this client says it speaks: DIRAC's, whose services it was written against. */
export const DISET_CLIENT_VERSION = "9.1.22";

const KEEP_ALIVE = Buffer.from("dka");

/** One DISET frame holding `value`. */
export function encodeFrame(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), "utf8");
  return Buffer.concat([Buffer.from(`${json.length}:`), json]);
}

/** The proposal of an RPC call of `method` on `service`, anonymous: no setup, VO or credentials. */
export function rpcProposal(service: string, method: string): DisetResult {
  return {
    OK: true,
    Value: [[service, "None", "unknown"], ["RPC", method], "", DISET_CLIENT_VERSION],
  };
}

/** Takes a stream's bytes as they arrive and gives back the frames it completes, decoded. */
export class FrameReader {
  private buffered = Buffer.alloc(0);

  /** The frames `chunk` completes, in order; keep-alive frames are dropped. */
  push(chunk: Buffer): unknown[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: unknown[] = [];
    for (;;) {
      const keepAlive = this.buffered.subarray(0, 3).equals(KEEP_ALIVE);
      const start = keepAlive ? 3 : 0;
      const colon = this.buffered.indexOf(":", start);
      if (colon < 0) {
        this.refuseLongPrefix(start);
        return frames;
      }
      const size = this.buffered.subarray(start, colon).toString("latin1");
      if (!/^\d+$/.test(size))
        throw new Error(`not a DISET frame: ${JSON.stringify(size.slice(0, 20))} before ':'`);
      const end = colon + 1 + Number(size);
      if (this.buffered.length < end) return frames;
      const json = this.buffered.subarray(colon + 1, end).toString("utf8");
      this.buffered = this.buffered.subarray(end);
      if (!keepAlive) frames.push(JSON.parse(json));
    }
  }

  /** A frame's length has at most 20 digits: more bytes without a ':' are no DISET frame. */
  private refuseLongPrefix(start: number): void {
    if (this.buffered.length - start > 20)
      throw new Error(
        `not a DISET frame: ${JSON.stringify(this.buffered.subarray(start, start + 20).toString("latin1"))}… without ':'`,
      );
  }
}

/** A TCP connection to a DISET service (or a balancer in front of one), for one call. */
export class DisetConnection {
  private readonly reader = new FrameReader();
  private readonly frames: unknown[] = [];
  private waiting: (() => void) | undefined;
  private ended: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk) => {
      try {
        this.frames.push(...this.reader.push(chunk));
      } catch (e) {
        this.ended = e as Error;
        socket.destroy();
      }
      this.wake();
    });
    socket.on("close", () => {
      this.ended ??= new Error("the service closed the connection");
      this.wake();
    });
    socket.on("error", (e) => {
      this.ended = e;
      this.wake();
    });
  }

  /** Opens a connection to `host:port`; rejects when it is refused or not open within `timeoutMs`. */
  static open(host: string, port: number, timeoutMs: number): Promise<DisetConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeListener("error", reject);
        resolve(new DisetConnection(socket));
      });
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /**
   * Calls `method(...args)` of `service` on this connection, then closes it. The service's result,
   * or undefined when it has not answered within `timeoutMs` (a hung service holds the
   * connection open and says nothing). Rejects when the connection fails or closes first.
   */
  async call(
    service: string,
    method: string,
    args: unknown[],
    timeoutMs: number,
  ): Promise<DisetResult | undefined> {
    const deadline = Date.now() + timeoutMs;
    try {
      this.socket.write(encodeFrame(rpcProposal(service, method)));
      const accepted = await this.next(deadline);
      if (accepted === undefined || !accepted.OK) return accepted;
      this.socket.write(encodeFrame({ OK: true, Value: args }));
      return await this.next(deadline);
    } finally {
      this.socket.destroy();
    }
  }

  /** Closes the connection, whatever was sent on it. */
  close(): void {
    this.socket.destroy();
  }

  /** The next frame, as a result; undefined once `deadline` (ms since the epoch) has passed. */
  private async next(deadline: number): Promise<DisetResult | undefined> {
    while (this.frames.length === 0) {
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
    return this.frames.shift() as DisetResult;
  }

  private wake(): void {
    this.waiting?.();
  }
}

/** One call of `method` on `service` at `host:port`; rejects when nothing answers within `timeoutMs`. */
export async function disetCall(
  host: string,
  port: number,
  service: string,
  method: string,
  args: unknown[] = [],
  timeoutMs = 5000,
): Promise<DisetResult> {
  const started = Date.now();
  const connection = await DisetConnection.open(host, port, timeoutMs);
  const result = await connection.call(service, method, args, timeoutMs - (Date.now() - started));
  if (result === undefined)
    throw new Error(`${service}.${method} at ${host}:${port}: no answer within ${timeoutMs} ms`);
  return result;
}

/**
 * The configuration a Configuration Server serves, as the text of its file: the answer of its
 * `getCompressedData`, zlib-compressed bytes that DIRAC's JSON carries in base64.
 */
export function configurationText(result: DisetResult): string {
  const value = result.Value as { __dCls?: string; obj?: string } | undefined;
  if (!result.OK || value?.__dCls !== "b64" || typeof value.obj !== "string")
    throw new Error(`not a Configuration Server's data: ${JSON.stringify(result).slice(0, 200)}`);
  return inflateSync(Buffer.from(value.obj, "base64")).toString("utf8");
}
