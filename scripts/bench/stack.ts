// A scratch copy of the local stack under the real engine, for the promise tests and the
// benchmark: `pulumi up` under a unique stack name, wait until every container runs and Consul
// has every instance passing, `pulumi destroy` at the end.
// CLI (development): node --import tsx scripts/bench/stack.ts up|down STACK
import { Stack } from "@pulumi/pulumi/automation";
import { errorLines, openScratchStack, removeScratchStack } from "../engine-stack";
import { consulGet, docker, eventually, lines } from "./probes";
import { Platform, platformOf } from "./platform";

export interface ScratchStack {
  stack: Stack;
  platform: Platform;
  destroy(): Promise<void>;
}

/** Brings up (or converges) scratch stack `name` with the local stack's config, and waits until it is all healthy. */
export async function upScratchStack(
  name: string,
  log: (msg: string) => void = () => undefined,
): Promise<ScratchStack> {
  const stack = await openScratchStack(name, "local");
  const t0 = Date.now();
  // One retry: on 2 busy cores a container may miss its health deadline the first time; a
  // second `up` converges what the first left.
  const up = await stack.up({ color: "never" }).catch(async (e) => {
    log(`pulumi up of ${name} failed, once more: ${errorLines(e, 5)}`);
    return stack.up({ color: "never" });
  });
  if (up.summary.result !== "succeeded")
    throw new Error(`pulumi up of ${name}: ${up.summary.result}`);
  log(`pulumi up of ${name}: ${(Date.now() - t0) / 1000}s`);
  const platform = platformOf(name);
  await waitServing(platform, 180);
  log(
    `${name}: every container running and every instance passing in Consul after ${(Date.now() - t0) / 1000}s`,
  );
  return {
    stack,
    platform,
    destroy: () => removeScratchStack(stack, (e) => log(`destroy of ${name}: ${String(e)}`)),
  };
}

/**
 * Waits until every container of the stack runs (none unhealthy by its Docker check, which runs
 * only every 30 s) and Consul has every service instance passing: what the load balancers serve.
 */
export async function waitServing(p: Platform, seconds: number): Promise<void> {
  const expected = Object.values(p.instances).flat().sort();
  await eventually(
    `every container of ${p.stack} running and every instance passing in Consul`,
    seconds,
    async () => {
      const names = lines(
        docker("ps", "-a", "--filter", `label=platform.stack=${p.stack}`, "--format", "{{.Names}}"),
      );
      if (names.length === 0) throw new Error("no containers");
      const states = lines(
        docker(
          "inspect",
          "-f",
          "{{.Name}}: {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
          ...names,
        ),
      );
      const bad = states.filter((s) => !/: running (healthy|starting|none)$/.test(s));
      if (bad.length > 0) throw new Error(bad.join(", "));
      const checks = (await consulGet(p.ip(p.consulServers[0]), "/v1/health/state/any")) as {
        ServiceID: string;
        Status: string;
      }[];
      const passing = checks
        .filter((c) => expected.includes(c.ServiceID) && c.Status === "passing")
        .map((c) => c.ServiceID)
        .sort();
      if (passing.join() !== expected.join())
        throw new Error(
          `passing in Consul: ${passing.join(", ") || "none"} of ${expected.join(", ")}`,
        );
      return true;
    },
  );
}

if (require.main === module) {
  const [cmd, name] = process.argv.slice(2);
  if (!name || (cmd !== "up" && cmd !== "down")) {
    console.error("usage: stack.ts up|down STACK");
    process.exit(2);
  }
  (async () => {
    if (cmd === "up") await upScratchStack(name, console.log);
    else await (await openScratchStack(name, "local")).destroy({ color: "never" });
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
