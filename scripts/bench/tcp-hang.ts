// 3, for TCP services (DISET): a hang of one instance of DIRAC's Configuration Server while
// clients hold connections through every balancer. A TCP connection is balanced once, when it
// opens, so a connection already open to the hung instance stays with it (counted apart); every
// connection opened once it is hidden must go to another instance and be answered (one sent to
// the hung instance would not be).
import { DisetConnection } from "./diset";
import { Platform } from "./platform";
import { dockerAsync, haproxyServers, sleep } from "./probes";
import { hiddenOnEvery } from "./scenarios";

/**
 * The local catalog's DIRAC service the hang is shown on. Its check, a DISET ping through the
 * instance's HTTP bridge, stops answering with the instance, so the balancers see the hang.
 */
export const TCP_SERVICE = "configuration-server";
export const TCP_PORT = 9135;
const DIRAC_NAME = "Configuration/Server";

export interface TcpHangResult {
  victim: string;
  hiddenMs: number;
  /**
   * Connections open before the hang: to the victim (held by it, counted apart: the balancers'
   * count of sessions open to it), to the others (must answer once asked).
   */
  heldByVictim: number;
  openToOthers: { total: number; unanswered: number };
  /** Connections opened once the victim was hidden on every balancer; one sent to the hung victim would go unanswered. */
  newConnections: { total: number; unanswered: number };
}

/** The sessions every balancer has open to `server` now. */
async function openSessions(p: Platform, server: string): Promise<number> {
  const counts = await Promise.all(
    p.lbs.map(
      async (lb) => (await haproxyServers(p.ip(lb))).find((s) => s.server === server)?.open ?? 0,
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** A DISET ping on `c`: true when the service answered within `answerMs`. */
async function answers(c: DisetConnection, answerMs: number): Promise<boolean> {
  const r = await c.call(DIRAC_NAME, "ping", [], answerMs).catch(() => undefined);
  return r?.OK === true;
}

/**
 * Opens `perLb` connections through every balancer to the Configuration Server (each one a
 * session of the balancer with one instance; nothing is sent yet), pauses `victim` (one of its
 * instances), and once it is hidden on every balancer pings on every open connection and on
 * `perLb` new ones through every balancer. A ping not answered within `answerMs` counts as
 * unanswered (3 s: on a machine busy with other tests, 1 s was once missed by a healthy
 * instance). DISET's answers name no instance: the connections held by the victim are the
 * sessions the balancers have open to it, and the victim, paused, answers none. It is resumed at
 * the end.
 */
export async function hangTcpInstance(
  p: Platform,
  victim: string,
  perLb = 12,
  answerMs = 3000,
): Promise<TcpHangResult> {
  const open: DisetConnection[] = [];
  let pausedAt = 0;
  try {
    for (const lb of p.lbs)
      for (let i = 0; i < perLb; i++)
        open.push(await DisetConnection.open(p.ip(lb), TCP_PORT, answerMs));
    const heldByVictim = await openSessions(p, victim);
    if (heldByVictim === 0) throw new Error(`no connection went to ${victim} before the hang`);
    pausedAt = Date.now();
    await dockerAsync("pause", victim);
    const hidden = await hiddenOnEvery(p, victim, 30);
    const hiddenMs = Math.max(...Object.values(hidden)) - pausedAt;
    const again = await Promise.all(open.map((c) => answers(c, answerMs)));
    const unansweredOpen = again.filter((a) => !a).length;
    const fresh: boolean[] = [];
    for (const lb of p.lbs)
      for (let i = 0; i < perLb; i++) {
        const c = await DisetConnection.open(p.ip(lb), TCP_PORT, answerMs).catch(() => undefined);
        fresh.push(c !== undefined && (await answers(c, answerMs)));
      }
    return {
      victim,
      hiddenMs,
      heldByVictim,
      openToOthers: {
        total: open.length - heldByVictim,
        unanswered: Math.max(0, unansweredOpen - heldByVictim),
      },
      newConnections: { total: fresh.length, unanswered: fresh.filter((a) => !a).length },
    };
  } finally {
    for (const c of open) c.close();
    if (pausedAt !== 0) await dockerAsync("unpause", victim);
    await sleep(0);
  }
}
