// Drives the real Pulumi engine for a stack through the Automation API with the program inline,
// so no Node.js language host is needed: `engine.ts up|preview|refresh|down STACK`.
// scripts/up.sh prepares the environment (toolchain on PATH, file backend, Docker Engine, images).
import { OutputMap } from "@pulumi/pulumi/automation";
import { openStack } from "./engine-stack";

function summary(outputs: OutputMap): string {
  return JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])), null, 2);
}

async function main(action: string, stackName: string): Promise<number> {
  const started = Date.now();
  const log = (m: string) => console.log(`engine: ${m} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  const stack = await openStack(stackName);
  const onOutput = (out: string) => process.stdout.write(out);
  log(`${action} of stack ${stackName}`);
  switch (action) {
    case "up": {
      const r = await stack.up({ onOutput, color: "never" });
      log(`up: ${JSON.stringify(r.summary.resourceChanges)}`);
      console.log(summary(r.outputs));
      break;
    }
    case "preview": {
      const r = await stack.preview({ onOutput, color: "never", diff: true });
      log(`preview: ${JSON.stringify(r.changeSummary)}`);
      const changed = Object.entries(r.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
      return changed.length === 0 ? 0 : 3;
    }
    case "refresh": {
      const r = await stack.refresh({ onOutput, color: "never" });
      log(`refresh: ${JSON.stringify(r.summary.resourceChanges)}`);
      break;
    }
    case "down": {
      const r = await stack.destroy({ onOutput, color: "never" });
      log(`destroy: ${JSON.stringify(r.summary.resourceChanges)}`);
      break;
    }
    default:
      console.error(`usage: engine.ts up|preview|refresh|down STACK (got "${action}")`);
      return 2;
  }
  return 0;
}

main(process.argv[2] ?? "", process.argv[3] ?? "local").then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`engine: failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
