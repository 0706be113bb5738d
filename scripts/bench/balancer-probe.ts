// What clients of a balancer see while it is replaced: a DISET ping of the Configuration Server
// through each balancer, one after another, in a loop, each outcome counted. A balancer is found
// by its container's name each time (a new container may have a new address), so a ping is:
// `ok` (answered), `refused` (no container, or nothing listening: a client goes to another
// balancer) or `unanswered` (accepted, then closed or silent: the client's call fails).
import { Stack } from "@pulumi/pulumi/automation";
import { containersInState } from "../release";
import { DisetConnection } from "./diset";
import { ipOf } from "./probes";
import { DIRAC_SERVICES } from "./scenarios";

export type PingOutcome = "ok" | "refused" | "unanswered";

export interface BalancerProbeOptions {
  /** Balancer container names. */
  balancers: string[];
  /** Milliseconds between two rounds of pings. */
  pauseMs?: number;
}

const CONFIGURATION_SERVER = DIRAC_SERVICES[0];

/** A container's address on its network; "" when it does not exist (between delete and create). */
function addressOf(container: string): string {
  try {
    return ipOf(container);
  } catch {
    return "";
  }
}

/** One ping of the Configuration Server through `balancer`. */
export async function pingThrough(balancer: string): Promise<PingOutcome> {
  const address = addressOf(balancer);
  if (address === "") return "refused";
  let connection: DisetConnection;
  try {
    connection = await DisetConnection.open(address, CONFIGURATION_SERVER.port, 1000);
  } catch {
    return "refused";
  }
  try {
    const r = await connection.call(CONFIGURATION_SERVER.name, "ping", [], 2000);
    return r?.OK ? "ok" : "unanswered";
  } catch {
    return "unanswered";
  }
}

/** Counts of each outcome per balancer, from `start()` until `stop()`. */
export class BalancerProbe {
  readonly counts = new Map<string, Record<PingOutcome, number>>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: BalancerProbeOptions) {
    for (const b of o.balancers) this.counts.set(b, { ok: 0, refused: 0, unanswered: 0 });
  }

  start(): this {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(
          this.o.balancers.map(async (b) => this.counts.get(b)![await pingThrough(b)]++),
        );
        await new Promise((r) => setTimeout(r, this.o.pauseMs ?? 20));
      }
    })();
    return this;
  }

  async stop(): Promise<Map<string, Record<PingOutcome, number>>> {
    this.running = false;
    await this.loop;
    return this.counts;
  }
}

/** What one replacement of every balancer showed its clients, summed over the balancers. */
export interface BalancersReplaced {
  seconds: number;
  pings: Record<PingOutcome, number>;
}

/**
 * Replaces every balancer of `stack` in one `pulumi up --replace` (one after another, as
 * LoadBalancers chains them) while `BalancerProbe` pings through each; the probe runs on for 2 s
 * after the `up`.
 */
export async function replaceBalancers(
  stack: Stack,
  balancers: string[],
): Promise<BalancersReplaced> {
  const urns = (await containersInState(stack, "lb")).map((c) => c.urn);
  if (urns.length !== balancers.length)
    throw new Error(`${urns.length} balancer containers in the state, ${balancers.length} running`);
  const probe = new BalancerProbe({ balancers }).start();
  const began = Date.now();
  const r = await stack.up({ replace: urns, color: "never" });
  const seconds = (Date.now() - began) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const counts = await probe.stop();
  if (r.summary.result !== "succeeded") throw new Error(`the up ended ${r.summary.result}`);
  const pings = { ok: 0, refused: 0, unanswered: 0 };
  for (const c of counts.values())
    for (const k of Object.keys(pings) as PingOutcome[]) pings[k] += c[k];
  return { seconds, pings };
}
