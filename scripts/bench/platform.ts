// The containers of a running stack that the promises are about, found by their labels.
import { docker, ipOf, lines } from "./probes";

export interface Platform {
  stack: string;
  /** Load balancer container names (lb-1, lb-2, ...), sorted. */
  lbs: string[];
  /** Instance container names by service key (framework-systemadministrator, ...), sorted. */
  instances: Record<string, string[]>;
  zookeepers: string[];
  consulServers: string[];
  /** Agent container names by agent key (transformation-transformationagent, ...). */
  agents: Record<string, string[]>;
  ip(container: string): string;
}

function byLabel(stack: string, component: string): { name: string; service: string }[] {
  const out = docker(
    "ps",
    "-a",
    "--filter",
    `label=platform.stack=${stack}`,
    "--filter",
    `label=platform.component=${component}`,
    "--format",
    '{{.Names}} {{.Label "platform.service"}}',
  );
  return lines(out)
    .map((l) => {
      const [name, service] = l.split(" ");
      return { name, service: service ?? "" };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function grouped(items: { name: string; service: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of items) (out[i.service] ??= []).push(i.name);
  return out;
}

export function platformOf(stack: string): Platform {
  return {
    stack,
    lbs: byLabel(stack, "lb").map((x) => x.name),
    instances: grouped(byLabel(stack, "service")),
    zookeepers: byLabel(stack, "zookeeper").map((x) => x.name),
    consulServers: byLabel(stack, "consul-server").map((x) => x.name),
    agents: grouped(byLabel(stack, "agent")),
    ip(container: string) {
      // A container Docker is restarting (after a crash) has no address for a moment: wait for it.
      const end = Date.now() + 30_000;
      for (;;) {
        const ip = ipOf(container);
        if (ip !== "") return ip;
        if (Date.now() > end) throw new Error(`${container} has no address after 30 s`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      }
    },
  };
}
