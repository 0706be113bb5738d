// A seeded, bounded fuzz test of the validation. Each case takes one of the project's stack files
// (local, cert, prod, site) and its catalog, applies one to three mutations
// (test/support/input-mutations.ts), and hands the result over as the engine does (structured
// values as JSON text). Every outcome must be one of:
// - refused: one PlatformInputError, one line per problem, each naming a file and a path, and the
//   program refuses the same input with the same message before declaring anything;
// - accepted and valid, judged without the validation's code: every file renders, every container
//   name is a hostname, every image reference is well formed, no two parts listen on one port of
//   a host (read from each part's own configuration, test/support/listen-ports.ts), HAProxy's
//   `haproxy -c` accepts the load balancers' configuration and `consul validate` every Consul's.
// Anything else (a raw error, an accepted input that is not valid) fails with the case's seed
// and mutations, so it can be replayed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { CONSUL_CONFIG_FILE } from "../../components/consul/consul-containers";
import { SecretName, secretPlaceholder } from "../../components/core/container-spec";
import { formatProblem, PlatformInputError } from "../../components/core/errors";
import { PlatformSpec } from "../../components/core/platform-spec";
import { stackConfigSchema } from "../../components/core/config-schema";
import { readStackFile } from "../../components/core/stack-config";
import { parseYamlText } from "../../components/core/yaml-file";
import { plannedContainers } from "../../components/plan";
import { renderHaproxySample, renderStack } from "../../components/render";
import { loadCheckedPlatform } from "../../components/stack-checks";
import { platformProgram } from "../../program";
import { tempDir } from "../../scripts/temp-dir";
import { mutateOnce, prng } from "../support/input-mutations";
import { portClashesOf } from "../support/listen-ports";

const ROOT = process.cwd();
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 1000);
const STACKS = ["local", "cert", "prod", "site"] as const;
const NAMESPACE = "lhcb-platform:";
const CONSUL_IMAGE = "lhcb-platform/consul:1.16.6";
const GOSSIP_KEY = Buffer.alloc(32, 7).toString("base64");
/** The secrets a Consul configuration holds, as `up` would put them in (tokens are UUIDs). */
const CONSUL_SECRETS = {
  consulGossipKey: GOSSIP_KEY,
  consulManagementToken: "6f1c3a52-8d4e-4b7a-9c21-0e5f7a3b9d14",
  consulToken: "a2d9e4b1-3c5f-4e8a-b7d6-1f0c9e8a7b25",
};

/** What each case starts from: a stack file's entries (without the namespace) and its catalog. */
interface Base {
  stack: string;
  file: string;
  config: Record<string, unknown>;
  catalogPath: string;
  catalog: unknown;
}

function base(stack: string): Base {
  const { file, entries } = readStackFile(ROOT, stack);
  const config = Object.fromEntries(
    Object.entries(entries)
      .filter(([k]) => k.startsWith(NAMESPACE))
      .map(([k, v]) => [k.slice(NAMESPACE.length), v]),
  );
  const catalogPath = String(config.catalog);
  const catalog = parseYamlText(readFileSync(join(ROOT, catalogPath), "utf8"), catalogPath);
  return { stack, file, config, catalogPath, catalog };
}

/** The config as the engine hands it to the program: strings, structured values as JSON. */
function engineEntries(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config))
    out[`${NAMESPACE}${k}`] = typeof v === "string" ? v : (JSON.stringify(v) ?? "null");
  out[`${NAMESPACE}consulGossipKey`] = GOSSIP_KEY;
  out[`${NAMESPACE}grafanaAdminPassword`] = "a password for the fuzz test";
  out[`${NAMESPACE}sshPrivateKey`] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  out[`${NAMESPACE}registryPassword`] = "a registry password for the fuzz test";
  return out;
}

const SECRET_KEYS = [
  "consulGossipKey",
  "grafanaAdminPassword",
  "sshPrivateKey",
  "registryPassword",
].map((k) => `${NAMESPACE}${k}`);

/** A DNS label: what a container's name and hostname must be. */
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A Docker image reference, taken apart by hand (not by the validation's grammar). */
function wellFormedImage(ref: string): boolean {
  let rest = ref;
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (!/^sha256:[0-9a-f]{64}$/.test(rest.slice(at + 1))) return false;
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    if (!/^\w[\w.-]{0,127}$/.test(rest.slice(colon + 1))) return false;
    rest = rest.slice(0, colon);
  }
  if (rest.length === 0 || rest.length > 255) return false;
  const parts = rest.split("/");
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(parts.shift()!)) return false;
  }
  return parts.every((p) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p));
}

/** What is wrong with an accepted platform, judged by the test's own means; empty when valid. */
function invalidities(spec: PlatformSpec): string[] {
  const out: string[] = [];
  renderStack(spec);
  const planned = plannedContainers(spec);
  for (const { container: c } of planned) {
    if (!HOSTNAME.test(c.name)) out.push(`container name ${JSON.stringify(c.name)}`);
    if (c.hostname !== undefined && !HOSTNAME.test(c.hostname))
      out.push(`hostname ${JSON.stringify(c.hostname)}`);
    if (!wellFormedImage(c.image)) out.push(`image ${JSON.stringify(c.image)}`);
  }
  for (const s of spec.services)
    if (!wellFormedImage(s.image)) out.push(`image ${JSON.stringify(s.image)}`);
  for (const h of spec.hosts)
    if (isIP(h.address) === 0 && !h.address.split(".").every((l) => HOSTNAME.test(l.toLowerCase())))
      out.push(`address ${JSON.stringify(h.address)}`);
  const address = new Map(spec.hosts.map((h) => [h.id, h.address]));
  out.push(...portClashesOf(planned, (id) => address.get(id)!, renderHaproxySample(spec)));
  return out;
}

interface Outcome {
  refused: number;
  accepted: number;
  failures: string[];
}

test(
  `fuzz: ${CASES} mutated stack files and catalogs (seed ${SEED}) are refused clearly or valid`,
  { timeout: 600_000 },
  async (t) => {
    const random = prng(SEED);
    const bases = STACKS.map(base);
    const work = tempDir("input-fuzz-");
    const outcome: Outcome = { refused: 0, accepted: 0, failures: [] };
    const haproxyFiles: { file: string; label: string }[] = [];
    /** Distinct Consul configurations (by hash) → the cases and containers that have them. */
    const consulConfigs = new Map<string, string[]>();
    let declared = 0;
    let slowest = 0;

    for (let n = 0; n < CASES; n++) {
      const b = bases[n % bases.length];
      const root = structuredClone({ config: b.config, catalog: b.catalog });
      const mutations = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        mutateOnce(root, random),
      );
      const label = `case ${n} (${b.stack}; ${mutations.join("; ")})`;
      const dir = join(work, `case-${n}`);
      mkdirSync(join(dir, dirname(b.catalogPath)), { recursive: true });
      writeFileSync(join(dir, b.catalogPath), stringify(root.catalog ?? null));
      const config = (root.config ?? {}) as Record<string, unknown>;
      const entries = engineEntries(config);

      const started = process.hrtime.bigint();
      let spec: PlatformSpec | undefined;
      let refusal: PlatformInputError | undefined;
      try {
        spec = loadCheckedPlatform(dir, b.stack, entries, b.file);
      } catch (e) {
        if (e instanceof PlatformInputError) refusal = e;
        else outcome.failures.push(`${label}: raw error ${String((e as Error)?.stack ?? e)}`);
      }

      if (refusal !== undefined) {
        outcome.refused++;
        // The catalog a case names, or the default one when it names none.
        const catalogFile = String(
          config.catalog ?? stackConfigSchema.shape.catalog.parse(undefined),
        );
        const files = new Set([b.file, b.catalogPath, catalogFile]);
        for (const p of refusal.problems) {
          const line = formatProblem(p);
          if (
            !files.has(p.file) ||
            p.expected === "" ||
            /\n|\[object Object\]|undefined/.test(line)
          )
            outcome.failures.push(`${label}: unclear problem ${JSON.stringify(line)}`);
        }
        // The program refuses it the same way, and declares nothing first.
        const resources: string[] = [];
        pulumi.runtime.setMocks(
          {
            newResource: (args) => {
              resources.push(args.type);
              return { id: args.name, state: args.inputs };
            },
            call: (args) => args.inputs,
          },
          "lhcb-platform",
          b.stack,
          false,
        );
        pulumi.runtime.setAllConfig(entries, SECRET_KEYS);
        try {
          await platformProgram(dir)();
          outcome.failures.push(`${label}: the program accepted what the validation refused`);
        } catch (e) {
          if (!(e instanceof pulumi.RunError) || e.message !== `invalid input:\n${refusal.message}`)
            outcome.failures.push(`${label}: the program said ${String(e)}`);
        }
        await new Promise((r) => setTimeout(r, 0));
        declared += resources.length;
        if (resources.length > 0)
          outcome.failures.push(
            `${label}: ${resources.length} resources declared before the refusal`,
          );
      } else if (spec !== undefined) {
        outcome.accepted++;
        try {
          const wrong = invalidities(spec);
          if (wrong.length > 0)
            outcome.failures.push(`${label}: accepted, yet ${wrong.join("; ")}`);
        } catch (e) {
          outcome.failures.push(`${label}: accepted, then ${String((e as Error)?.stack ?? e)}`);
        }
        if (spec.loadBalancers.length > 0 && spec.services.length > 0) {
          const file = join(dir, "haproxy.cfg");
          writeFileSync(file, renderHaproxySample(spec));
          haproxyFiles.push({ file, label });
        }
        // Each distinct configuration once: most cases leave most agents' as they were.
        for (const { container } of plannedContainers(spec)) {
          const f = container.files?.find((x) => x.path === CONSUL_CONFIG_FILE);
          if (f === undefined) continue;
          const content = Object.entries(CONSUL_SECRETS).reduce(
            (text, [name, value]) => text.split(secretPlaceholder(name as SecretName)).join(value),
            f.content,
          );
          const hash = createHash("sha256").update(content).digest("hex").slice(0, 16);
          const labels = consulConfigs.get(hash) ?? [];
          if (labels.length === 0) {
            mkdirSync(join(work, "consul", hash), { recursive: true });
            writeFileSync(join(work, "consul", hash, "consul.json"), content);
          }
          consulConfigs.set(hash, [...labels, `${label} ${container.name}`]);
        }
      }
      slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
    }

    for (const { file, label } of haproxyFiles) {
      // In a network namespace of its own: the servers' names fail to resolve at once, instead
      // of after the resolver's timeouts (10 s a file).
      const r = spawnSync("unshare", ["-n", "haproxy", "-q", "-c", "-f", file], {
        encoding: "utf8",
      });
      if (r.status !== 0) outcome.failures.push(`${label}: haproxy -c: ${r.stdout}${r.stderr}`);
    }
    if (consulConfigs.size > 0) {
      const r = spawnSync(
        "docker",
        [
          ...["run", "--rm", "--network", "none", "-v", `${join(work, "consul")}:/configs:ro`],
          ...["--entrypoint", "sh", CONSUL_IMAGE, "-c"],
          'for d in /configs/*; do consul validate "$d" >/dev/null 2>/tmp/e || { echo "== $d"; cat /tmp/e; }; done',
        ],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      for (const [hash, labels] of consulConfigs)
        if (r.stdout.includes(`/configs/${hash}\n`))
          outcome.failures.push(`${labels.join(", ")}: consul validate: ${r.stdout}`);
    }

    t.diagnostic(
      `refused ${outcome.refused}, accepted ${outcome.accepted}, slowest case ${slowest.toFixed(0)} ms`,
    );
    console.log(
      `fuzz seed ${SEED}: ${CASES} cases, refused ${outcome.refused}, accepted ${outcome.accepted} (haproxy -c ${haproxyFiles.length}, consul validate ${consulConfigs.size} distinct configurations), declared before a refusal ${declared}, slowest case ${slowest.toFixed(0)} ms`,
    );
    assert.deepEqual(outcome.failures, []);
    assert.ok(outcome.accepted > CASES / 10, "enough accepted cases to judge the valid ones");
    assert.ok(outcome.refused > CASES / 10, "enough refused cases to judge the messages");
  },
);
