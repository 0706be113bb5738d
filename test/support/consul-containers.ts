// A small Consul cluster of the platform's image on this machine's Engine, for the tests that run
// a step's program against real Consul: one server and its agents on a Docker network of their
// own, each named by the test, all removed by `remove()`.
import assert from "node:assert/strict";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";

/** A Consul server and agents on the network `<prefix>-net`. */
export class ConsulContainers {
  readonly network: string;
  readonly server: string;
  /** The server's HTTP API, once `start` has run. */
  api = "";
  private readonly image = loadPlatformFromStackFile(PROJECT_ROOT, "local").images.consul;
  private readonly started: string[] = [];

  /**
   * @param prefix names the network (`<prefix>-net`) and the server (`<prefix>-server`)
   * @param gossipKey the key every member started by `agent` gossips with, unless it is given one
   */
  constructor(
    readonly prefix: string,
    private readonly gossipKey?: string,
  ) {
    this.network = `${prefix}-net`;
    this.server = `${prefix}-server`;
  }

  /** Creates the network, starts the server and `agents`, and waits until the server lists them all alive. */
  async start(agents: string[]): Promise<void> {
    docker("network", "create", this.network);
    this.agent(this.server, { server: true });
    for (const a of agents) this.agent(a);
    const ip = docker(
      "inspect",
      "-f",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
      this.server,
    );
    this.api = `http://${ip}:8500`;
    const all = agents.length + 1;
    await until(`${all} members alive`, () => this.alive(this.server).length === all);
  }

  /**
   * Starts a Consul agent named `name` (the server where `server`), gossip tuned as Consul ships
   * it, with `key` (else the cluster's key, else none).
   */
  agent(name: string, opts: { server?: boolean; key?: string } = {}): void {
    const key = opts.key ?? this.gossipKey;
    this.started.push(name);
    docker(
      ...["run", "-d", "--name", name, "--hostname", name, "--network", this.network, this.image],
      ...["agent", `-node=${name}`, "-data-dir=/consul/data"],
      ...(key === undefined ? [] : [`-encrypt=${key}`]),
      ...(opts.server
        ? ["-server", "-bootstrap-expect=1", "-client=0.0.0.0"]
        : [`-retry-join=${this.server}`, "-retry-interval=1s"]),
    );
  }

  /** The LAN members `member` lists, as `name status`, sorted. */
  members(member: string): string[] {
    return docker("exec", member, "consul", "members")
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .map((f) => `${f[0]} ${f[2]}`)
      .sort();
  }

  /** The members `member` lists alive, sorted. */
  alive(member: string): string[] {
    return this.members(member)
      .filter((m) => m.endsWith(" alive"))
      .map((m) => m.split(" ")[0]);
  }

  /** Whether `member` lists `node`, in any status. */
  lists(member: string, node: string): boolean {
    return this.members(member).some((m) => m.startsWith(`${node} `));
  }

  /** Removes every container started and the network. */
  remove(): void {
    for (const name of this.started) docker("rm", "-f", "-v", name);
    docker("network", "rm", this.network);
  }
}

/**
 * Asks `ok` every 250 ms until it holds (an error counts as not yet), and resolves with the
 * milliseconds that took; fails the test after `seconds`.
 */
export async function until(what: string, ok: () => boolean, seconds = 60): Promise<number> {
  const t = Date.now();
  for (;;) {
    try {
      if (ok()) return Date.now() - t;
    } catch {
      // not answering yet
    }
    assert.ok(Date.now() - t < seconds * 1000, `${what}: not after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
