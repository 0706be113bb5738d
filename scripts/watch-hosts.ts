// `npm run watch-hosts -- STACK [--grace SECONDS] [--consul URL] [--interval SECONDS]`: re-places a
// failed slave's instances, and moves the engine's API calls off a failed master, without an
// operator (docs/site.md, "Re-placing after a host loss").
//
// Every interval it asks Consul for each host's node in the LAN gossip pool. A host failed or left
// for the grace period is failed; one alive again for the grace period is back. When the failed set
// changes, it writes it into the stack's config (`lhcb-platform:failedHosts`, through `pulumi config`)
// and runs `pulumi up`: the plan keeps what the failed hosts hold as it was, places a replacement
// for each instance of a failed slave on the healthy slaves (core/placement.ts, `placeAround`), and
// asks the first master not failed where it asked the first master (core/quorum.ts, `apiMaster`);
// once they are back, the replacements go. An `up` that fails is retried at the next change or after a minute.
// It runs the `pulumi` on PATH, in the project, with the operator's backend and passphrase. It asks
// Consul with the stack's management token and over HTTPS checked against the stack's CA where
// ACLs and TLS are on (CONSUL_HTTP_TOKEN and CONSUL_CACERT, a file, take their place when set).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { STATE_BUFFER } from "./engine-orphans";
import { loadPlatformFromStackFile } from "../components/core/stack-config";
import { answeredFirst, consulApis, hostNodeStates } from "./watch/consul-nodes";
import { HostFailures, sameHosts } from "./watch/host-failures";

const USAGE =
  "usage: npm run watch-hosts -- STACK [--grace SECONDS] [--interval SECONDS] [--consul URL]";
const PROJECT = resolve(__dirname, "..");
const KEY = "lhcb-platform:failedHosts";
const RETRY_MS = 60_000;

interface Options {
  stack: string;
  graceMs: number;
  intervalMs: number;
  consul?: string;
}

function parseArgs(argv: string[]): Options {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) positional.push(a);
    else if (["--grace", "--interval", "--consul"].includes(a) && i + 1 < argv.length)
      flags.set(a, argv[++i]);
    else throw new Error(`${a}: not an option of watch-hosts (or its value is missing)\n${USAGE}`);
  }
  if (positional.length !== 1) throw new Error(USAGE);
  const seconds = (flag: string, fallback: number, min: number): number => {
    const text = flags.get(flag);
    if (text === undefined) return fallback * 1000;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`${flag}: expected a number of seconds >= ${min}, got "${text}"`);
    return n * 1000;
  };
  return {
    stack: positional[0],
    graceMs: seconds("--grace", 10, 0),
    intervalMs: seconds("--interval", 1, 0.1),
    consul: flags.get("--consul"),
  };
}

function say(text: string): void {
  console.log(`watch-hosts ${new Date().toISOString()}: ${text}`);
}

/** `pulumi ARGS --stack STACK` in the project, waited for. */
function pulumiSync(args: string[], stack: string): { ok: boolean; out: string } {
  const r = spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive"], {
    cwd: PROJECT,
    encoding: "utf8",
    maxBuffer: STATE_BUFFER,
  });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : `${r.stderr || r.error}` };
}

/** Writes the failed set into the stack's config: each id through `config set --path`. */
function writeFailedHosts(stack: string, failed: readonly string[]): boolean {
  const steps = [
    ["config", "rm", KEY],
    ...failed.map((id, i) => ["config", "set", "--path", `${KEY}[${i}]`, id]),
  ];
  for (const args of steps) {
    const r = pulumiSync(args, stack);
    if (!r.ok) {
      say(`pulumi ${args.join(" ")}: ${r.out.trim()}`);
      return false;
    }
  }
  return true;
}

/** The failed hosts the deployed plan placed around (its `failedHosts` output; none before it had one). */
function deployedFailedHosts(stack: string): string[] {
  const r = pulumiSync(["stack", "output", "failedHosts", "--json"], stack);
  const value = r.ok ? (JSON.parse(r.out) as unknown) : [];
  return Array.isArray(value) ? value.map(String).sort() : [];
}

/**
 * The token to ask Consul with: CONSUL_HTTP_TOKEN when set, as Consul's own tools take it, else
 * the stack's management token where its ACLs are on; none on the local stack.
 */
function consulToken(stack: string): string | undefined {
  if (process.env.CONSUL_HTTP_TOKEN) return process.env.CONSUL_HTTP_TOKEN;
  return stackOutput(stack, "consulManagementToken");
}

/**
 * The CA Consul's HTTPS API is checked against: the file CONSUL_CACERT when set, as Consul's own
 * tools take it, else the stack's where Consul's TLS is on; none on the local stack.
 */
function consulCaCert(stack: string): string | undefined {
  if (process.env.CONSUL_CACERT) return readFileSync(process.env.CONSUL_CACERT, "utf8");
  return stackOutput(stack, "consulCaCertificate");
}

/**
 * A stack output's value (secrets shown), or undefined where the stack has none. Throws, with
 * pulumi's error, where the stack cannot be read (not in this backend, no passphrase): without its
 * token the watcher would see no node at all and never re-place anything.
 */
function stackOutput(stack: string, name: string): string | undefined {
  const r = pulumiSync(["stack", "output", name, "--show-secrets"], stack);
  if (r.ok) return r.out.trim() || undefined;
  if (r.out.includes("does not have output property")) return undefined;
  throw new Error(`pulumi stack output ${name} --stack ${stack}: ${r.out.trim()}`);
}

/** How to ask Consul: the token and CA (`consulToken`, `consulCaCert`). */
function readCredentials(stack: string): { token?: string; caCert?: string } {
  return { token: consulToken(stack), caCert: consulCaCert(stack) };
}

/** `pulumi up` of the stack, its output passed through; resolves with whether it succeeded. */
function pulumiUp(stack: string): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(
      "pulumi",
      ["up", "--stack", stack, "--yes", "--skip-preview", "--non-interactive", "--color", "never"],
      { cwd: PROJECT, stdio: ["ignore", "inherit", "inherit"] },
    );
    const stop = () => child.kill("SIGINT");
    process.once("SIGTERM", stop);
    child.on("exit", (code) => {
      process.off("SIGTERM", stop);
      done(code === 0);
    });
    child.on("error", (e) => {
      say(`pulumi: ${e.message}`);
      done(false);
    });
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const spec = loadPlatformFromStackFile(PROJECT, o.stack);
  let apis = consulApis(spec, o.consul);
  let credentials = readCredentials(o.stack);
  let credentialsRead = Date.now();
  const failures = new HostFailures(o.graceMs, spec.failedHosts);
  // The config's failed hosts are where to start from; an up brings the deployment there.
  let applied = deployedFailedHosts(o.stack);
  let tried: { hosts: string[]; at: number } | undefined;
  let stopping = false;
  process.on("SIGTERM", () => (stopping = true));
  process.on("SIGINT", () => (stopping = true));
  say(
    `stack ${o.stack}: watching ${spec.hosts.length} hosts through ${apis.join(", ")} (grace ${o.graceMs / 1000} s); failed now: ${applied.join(", ") || "none"}`,
  );
  let unreachable = "";
  let said = 0;
  while (!stopping) {
    try {
      const { states, answered } = await hostNodeStates(spec, apis, credentials);
      failures.observe(Date.now(), states);
      apis = answeredFirst(apis, answered);
      unreachable = "";
    } catch (e) {
      // Said when it changes, and again each minute while it lasts.
      const message = (e as Error).message;
      if (message !== unreachable || Date.now() - said >= RETRY_MS) {
        say(message);
        said = Date.now();
      }
      unreachable = message;
      // A token or CA rotated since (docs/security.md): the stack's are read again, once a minute.
      if (Date.now() - credentialsRead >= RETRY_MS) {
        credentialsRead = Date.now();
        try {
          credentials = readCredentials(o.stack);
        } catch (x) {
          say((x as Error).message);
        }
      }
    }
    const wanted = failures.current();
    // An up that failed is tried again at once for another failed set, else after RETRY_MS.
    const due = !tried || !sameHosts(tried.hosts, wanted) || Date.now() - tried.at >= RETRY_MS;
    if (!sameHosts(wanted, applied) && due) {
      say(
        `failed: ${wanted.join(", ") || "none"} (was ${applied.join(", ") || "none"}): pulumi up`,
      );
      tried = { hosts: wanted, at: Date.now() };
      if (writeFailedHosts(o.stack, wanted) && (await pulumiUp(o.stack))) {
        applied = wanted;
        const took = ((Date.now() - tried.at) / 1000).toFixed(1);
        say(`placed around ${wanted.join(", ") || "no failed host"} in ${took} s`);
      } else say(`the change failed; again in ${RETRY_MS / 1000} s unless the failed hosts change`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
  say("stopped");
}

main().catch((e) => {
  console.error(`watch-hosts: ${(e as Error).message}`);
  process.exit(1);
});
