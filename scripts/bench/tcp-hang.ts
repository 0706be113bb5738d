// 3, for TCP services (DISET): a hang of one instance while clients hold connections through
// every balancer. A TCP connection is balanced once, when it opens, so a connection already open
// to the hung instance stays with it (counted apart); every connection opened once it is hidden
// must go to another instance and be answered (one sent to the hung instance would not be).
import { connect, Socket } from "node:net";
import { Platform } from "./platform";
import { dockerAsync, sleep } from "./probes";
import { hiddenOnEvery } from "./scenarios";

/**
 * The local catalog's TCP service whose check can see a hang: its command check runs through the
 * instance's HTTP bridge, which the hang stops too. DataManagement/StorageElement's is a TCP
 * connect, which a hung instance passes (the kernel still accepts its connections): a hang is
 * invisible to such a check.
 */
export const TCP_SERVICE = "configuration-server";
export const TCP_PORT = 9135;

/** A kept-open line connection: one line out, one JSON line back. */
class LineConnection {
  private buf = "";
  private waiting: ((line: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d) => {
      this.buf += d.toString();
      const end = this.buf.indexOf("\n");
      if (end >= 0 && this.waiting) {
        const line = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      }
    });
    socket.on("error", () => undefined);
  }

  static open(host: string, port: number, timeoutMs: number): Promise<LineConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new LineConnection(s)));
      s.setTimeout(timeoutMs, () => s.destroy(new Error(`connect to ${host}:${port} timed out`)));
      s.once("error", reject);
    });
  }

  /** The instance that answers `hello`, or undefined when nothing answers within `timeoutMs`. */
  async instance(timeoutMs: number): Promise<string | undefined> {
    const answer = new Promise<string | undefined>((resolve) => {
      this.waiting = resolve;
      setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
    });
    this.socket.write("hello\n");
    const line = await answer;
    return line === undefined ? undefined : (JSON.parse(line) as { instance: string }).instance;
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface TcpHangResult {
  victim: string;
  hiddenMs: number;
  /** Connections open before the hang: to the victim (held by it, counted apart), to the others (must keep answering). */
  heldByVictim: number;
  openToOthers: { total: number; unanswered: number };
  /** Connections opened once the victim was hidden on every balancer; one sent to the hung victim would go unanswered. */
  newConnections: { total: number; unanswered: number };
}

/**
 * Opens `perLb` connections through every balancer to the TCP service, pauses `victim` (one of
 * its instances), and once it is hidden on every balancer asks every open connection again and
 * opens `perLb` new ones through every balancer. A connection that has not answered within
 * `answerMs` counts as unanswered (3 s: on a machine busy with other tests, 1 s was once missed by
 * a healthy instance). The victim is resumed at the end.
 */
export async function hangTcpInstance(
  p: Platform,
  victim: string,
  perLb = 12,
  answerMs = 3000,
): Promise<TcpHangResult> {
  const open: { c: LineConnection; instance: string }[] = [];
  const fresh: LineConnection[] = [];
  let pausedAt = 0;
  try {
    for (const lb of p.lbs) {
      for (let i = 0; i < perLb; i++) {
        const c = await LineConnection.open(p.ip(lb), TCP_PORT, answerMs);
        const instance = await c.instance(answerMs);
        if (instance === undefined)
          throw new Error(`a connection through ${lb} was not answered before the hang`);
        open.push({ c, instance });
      }
    }
    if (!open.some((o) => o.instance === victim))
      throw new Error(`no connection went to ${victim} before the hang`);
    pausedAt = Date.now();
    await dockerAsync("pause", victim);
    const hidden = await hiddenOnEvery(p, victim, 30);
    const hiddenMs = Math.max(...Object.values(hidden)) - pausedAt;
    const again = await Promise.all(open.map((o) => o.c.instance(answerMs)));
    const others = open
      .map((o, i) => ({ was: o.instance, now: again[i] }))
      .filter((x) => x.was !== victim);
    const answers: (string | undefined)[] = [];
    for (const lb of p.lbs) {
      for (let i = 0; i < perLb; i++) {
        const c = await LineConnection.open(p.ip(lb), TCP_PORT, answerMs).catch(() => undefined);
        if (c) fresh.push(c);
        answers.push(c ? await c.instance(answerMs) : undefined);
      }
    }
    return {
      victim,
      hiddenMs,
      heldByVictim: open.length - others.length,
      openToOthers: {
        total: others.length,
        unanswered: others.filter((x) => x.now !== x.was).length,
      },
      newConnections: {
        total: answers.length,
        unanswered: answers.filter((a) => a === undefined).length,
      },
    };
  } finally {
    for (const c of [...open.map((o) => o.c), ...fresh]) c.close();
    if (pausedAt !== 0) await dockerAsync("unpause", victim);
    await sleep(0);
  }
}
