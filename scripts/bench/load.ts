// A steady client: a fixed request rate spread over one or more load balancers, and a record of
// every request: when it was sent and answered, its outcome, and which instance answered. An
// `http://` target gets GETs on keep-alive connections (node:http Agent), answered by the sample
// service with the `instance` it echoes; a `dip://host:port/System/Component` target gets DISET
// pings of a DIRAC service (scripts/bench/diset.ts), one connection each, which name no instance.
import { Agent, request } from "node:http";
import { disetCall } from "./diset";

export interface Sample {
  /** Target (load balancer URL) the request went to. */
  target: string;
  /** GET (idempotent: a balancer may send it again elsewhere) or POST (a call that changes something: never resent). */
  method: "GET" | "POST";
  /** Wall-clock ms when sent and when finished. */
  sent: number;
  done: number;
  /** HTTP status, 0 when the request failed without one. */
  status: number;
  instance?: string;
  error?: string;
}

export interface LoadOptions {
  /** URLs to spread requests over, round-robin (e.g. `http://<lb>:9162/` of every balancer). */
  targets: string[];
  /** Requests per second, in total. */
  rate?: number;
  /** A request not finished after this long counts as failed. */
  timeoutMs?: number;
  /** Every `postEvery`-th request is a `POST /calls` (counted apart); none when unset. */
  postEvery?: number;
}

/** True for a DISET target, whose answers name no instance. */
function isDiset(target: string): boolean {
  return target.startsWith("dip://");
}

export function ok(s: Sample): boolean {
  return s.status === 200 && (s.instance !== undefined || isDiset(s.target));
}

export class Load {
  readonly samples: Sample[] = [];
  // An idle connection is closed by the client after 4 s, before the balancer's keep-alive
  // timeout (10 s) closes it: a request sent on a connection the balancer is closing at that
  // moment ends in "socket hang up" without ever reaching it (seen once in a CI run: the
  // balancer logged no request, and one connection fewer, at that instant). The agent reuses the
  // last freed connection first, so one opened during a burst can sit idle that long.
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: 512,
    keepAliveMsecs: 1000,
    timeout: 4000,
  });
  private readonly rate: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inflight = 0;
  private sent = 0;
  private t0 = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly opts: LoadOptions) {
    this.rate = opts.rate ?? 200;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  start(): this {
    this.t0 = Date.now();
    const tick = () => {
      const due = Math.floor(((Date.now() - this.t0) * this.rate) / 1000);
      // never burst more than 50 ms worth after a stall of the event loop
      if (due - this.sent > this.rate / 20) this.sent = due - Math.ceil(this.rate / 20);
      while (this.sent < due) {
        const post =
          this.opts.postEvery !== undefined &&
          this.sent % this.opts.postEvery === this.opts.postEvery - 1;
        this.one(this.opts.targets[this.sent % this.opts.targets.length], post);
        this.sent++;
      }
      this.timer = setTimeout(tick, 2);
    };
    tick();
    return this;
  }

  /** Stops sending, waits for the requests in flight, and returns every sample. */
  async stop(): Promise<Sample[]> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inflight > 0) await new Promise<void>((r) => (this.drained = r));
    this.agent.destroy();
    return this.samples;
  }

  private one(target: string, post: boolean): void {
    const sample: Sample = {
      target,
      method: post ? "POST" : "GET",
      sent: Date.now(),
      done: 0,
      status: 0,
    };
    this.inflight++;
    let finished = false;
    const finish = (patch: Partial<Sample>) => {
      if (finished) return;
      finished = true;
      Object.assign(sample, patch, { done: Date.now() });
      this.samples.push(sample);
      this.inflight--;
      if (this.inflight === 0 && this.drained && !this.timer) this.drained();
    };
    if (isDiset(target)) {
      void dipPing(target, this.timeoutMs).then(finish);
      return;
    }
    const url = post ? new URL("/calls", target).toString() : target;
    const options = post
      ? { method: "POST", headers: { "content-length": "0" } }
      : { method: "GET" };
    const req = request(url, { agent: this.agent, ...options, timeout: this.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let instance: string | undefined;
        try {
          instance = (JSON.parse(Buffer.concat(chunks).toString()) as { instance?: string })
            .instance;
        } catch {
          instance = undefined;
        }
        finish({
          status: res.statusCode ?? 0,
          instance,
          error:
            res.statusCode === 200 ? undefined : Buffer.concat(chunks).toString().slice(0, 200),
        });
      });
      res.on("error", (e) => finish({ status: res.statusCode ?? 0, error: String(e) }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
    req.on("error", (e) => finish({ error: String(e) }));
    req.end();
  }
}

/** A DISET ping of the service `target` names (`dip://host:port/System/Component`): 200 when it answers OK. */
function dipPing(target: string, timeoutMs: number): Promise<Partial<Sample>> {
  const url = new URL(target);
  return disetCall(
    url.hostname,
    Number(url.port),
    url.pathname.slice(1),
    "ping",
    [],
    timeoutMs,
  ).then(
    (r) => (r.OK ? { status: 200 } : { status: 500, error: String(r.Message).slice(0, 200) }),
    (e: Error) => ({ error: e.message }),
  );
}

/** What a run of samples amounts to. */
export interface LoadSummary {
  /** The idempotent requests (GET), which must not fail. */
  requests: number;
  failed: number;
  /** The non-idempotent ones (POST), counted apart: one a hung instance held fails after its server timeout. */
  nonIdempotent: { requests: number; failed: number };
  /** Requests per second actually sent. */
  rate: number;
  /** Answers per instance. */
  byInstance: Record<string, number>;
  /** The first few failures, for messages. */
  failures: string[];
  p99Ms: number;
  maxMs: number;
}

export function summarize(samples: Sample[]): LoadSummary {
  const byInstance: Record<string, number> = {};
  for (const s of samples)
    if (s.instance) byInstance[s.instance] = (byInstance[s.instance] ?? 0) + 1;
  const posts = samples.filter((s) => s.method === "POST");
  const gets = samples.filter((s) => s.method !== "POST");
  const bad = gets.filter((s) => !ok(s));
  const lat = samples.map((s) => s.done - s.sent).sort((a, b) => a - b);
  // A loop, not Math.max(...): a run of 1,000 reloads holds more samples than a call takes arguments.
  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    first = Math.min(first, s.sent);
    last = Math.max(last, s.sent);
  }
  const span = samples.length > 1 ? (last - first) / 1000 : 0;
  return {
    requests: gets.length,
    failed: bad.length,
    nonIdempotent: { requests: posts.length, failed: posts.filter((s) => !ok(s)).length },
    rate: span > 0 ? Math.round(samples.length / span) : 0,
    byInstance,
    failures: bad
      .slice(0, 5)
      .map(
        (s) => `${new Date(s.sent).toISOString()} ${s.target} status ${s.status} ${s.error ?? ""}`,
      ),
    p99Ms: lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] : 0,
    maxMs: lat.length ? lat[lat.length - 1] : 0,
  };
}

/** The first answer from `instance` to a request sent at or after `after` (ms), or undefined. */
export function firstAnswerFrom(
  samples: Sample[],
  instance: string,
  after: number,
): Sample | undefined {
  return samples
    .filter((s) => s.instance === instance && s.sent >= after)
    .sort((a, b) => a.done - b.done)[0];
}
