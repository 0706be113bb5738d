// Chronos as the platform starts it, against what the image the stacks name does with it
// (upstream/chronos.json, extracted from mesos/chronos and mesosphere/chaos by
// scripts/upstream/extract.ts): the start script's variables, and every option passed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chronosContainer, chronosFileValues } from "../../components/chronos/chronos-containers";
import { HTTP_CREDENTIALS_VARIABLE } from "../../components/mesos/mesos-auth-plan";
import { chronosJob } from "../../components/chronos/chronos-job";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { startWithFiles } from "../../components/core/start-with-files";
import { assertImageIs, checkOptions, OptionFacts, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<
  OptionFacts & { startScript: { text: string; reads: string[] }; job: { keys: string[] } }
>("chronos");

/** The key paths of a JSON value, as the facts write them (`a.b`, `a[].b` for arrays of objects). */
function keyPaths(value: unknown, base = ""): string[] {
  const at = (k: string) => (base === "" ? k : `${base}.${k}`);
  if (Array.isArray(value))
    return value.flatMap((v) =>
      typeof v === "object" && v !== null && !Array.isArray(v) ? keyPaths(v, `${base}[]`) : [],
    );
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [at(k), ...keyPaths(v, at(k))]);
}

test("key paths of a job as the facts write them", () => {
  assert.deepEqual(keyPaths({ a: 1, c: { d: [{ e: 1 }, { f: 2 }], g: ["x"] }, h: [[1, 2]] }), [
    "a",
    "c",
    "c.d",
    "c.d[].e",
    "c.d[].f",
    "c.g",
    "h",
  ]);
});

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: every key of every Chronos job is one Chronos reads (it drops any other without a word)`, () => {
    const jobs = spec.agents.filter((a) => a.mode === "marathon");
    assert.ok(jobs.length > 0);
    const known = new Set(facts.job.keys);
    for (const agent of jobs) {
      const job = chronosJob(spec, agent, { from: new Date("2024-03-01T10:07:13Z") });
      for (const path of keyPaths(job))
        assert.ok(known.has(path), `${agent.name}: ${path}: Chronos 3.0.2 does not read it`);
    }
  });

  test(`${stack}: the Chronos image is the version the facts come from`, () => {
    assert.equal(facts.image, DEFAULT_IMAGES.chronos);
    assertImageIs(spec.images.chronos, facts.image);
  });

  test(`${stack}: every option Chronos gets is one it has, once, with a value of its type; the start script gets every variable it reads`, () => {
    assert.deepEqual(facts.entrypoint, ["/chronos/bin/start.sh"]);
    // The start script runs `java $JVM_OPTS -jar /chronos/chronos.jar $@ --http_port $PORT0`.
    const exec = facts.startScript.text.split("\n").find((l) => l.startsWith("exec java"))!;
    const appended = exec
      .slice(exec.indexOf("$@") + 2)
      .trim()
      .split(/\s+/);
    // Credentials are asked for here: the start script runs after the options holding
    // ZooKeeper's are read from files (startWithFiles), which it passes on after the container's
    // command, and the API's `user:password` into the variable `http_credentials` defaults to
    // (chaos' HttpConf reads MESOSPHERE_HTTP_CREDENTIALS), kept out of the command line.
    const fileValues = chronosFileValues(spec);
    assert.ok(fileValues?.options && fileValues.env);
    assert.deepEqual(Object.keys(fileValues.env), [HTTP_CREDENTIALS_VARIABLE]);
    assert.equal(
      facts.options.find((o) => o.name === "http_credentials")?.default,
      "httpCredentialsEnvValue",
    );
    for (const host of spec.masters) {
      const c = chronosContainer(spec, host);
      // It advertises its host's address to the masters (startWithFiles' advertiseAddress).
      assert.deepEqual(
        c.entrypoint,
        startWithFiles(facts.entrypoint, { ...fileValues, advertiseAddress: host.address }),
      );
      const fromFiles = Object.entries(fileValues.options).flatMap(([flag, path]) => [
        flag,
        c.files!.find((f) => f.path === path)!.content,
      ]);
      const env = c.env ?? {};
      const resolved = appended.map((w) => (w.startsWith("$") ? env[w.slice(1)] : w));
      const options = checkOptions(facts, [...(c.command ?? []), ...fromFiles, ...resolved]);
      assert.equal(options.get("http_port"), "4400");
      const zkHosts = spec.masters.map((m) => `${m.address}:2181`).join(",");
      assert.equal(
        options.get("master"),
        `zk://chronos:@@secret:zookeeperPassword@@@${zkHosts}/mesos`,
      );
      assert.equal(options.get("zk_auth"), "chronos:@@secret:zookeeperPassword@@");
      assert.equal(options.get("zk_hosts"), zkHosts);
      // It registers with the masters as its principal, its secret read from a file as is.
      assert.equal(options.get("mesos_authentication_principal"), "chronos");
      const fileOf = (path: string | undefined) => c.files!.find((f) => f.path === path)?.content;
      assert.equal(
        fileOf(options.get("mesos_authentication_secret_file")),
        "@@secret:chronosSecret@@",
      );
      assert.equal(
        fileOf(fileValues.env[HTTP_CREDENTIALS_VARIABLE]),
        "platform-admin:@@secret:mesosAdminSecret@@",
      );
      for (const v of facts.startScript.reads.filter((v) => v !== "JVM_OPTS"))
        assert.match(env[v] ?? "", /^\d+$/, `${v}: the start script reads it as a port`);
      for (const name of Object.keys(env))
        assert.ok(facts.startScript.reads.includes(name), `${name}: nothing of Chronos reads it`);
    }
  });
}
