// Marathon as the platform starts it, against what the image the stacks name does with it
// (upstream/marathon.json, extracted from mesosphere/marathon by scripts/upstream/extract.ts):
// `Main.envToArgs` turns each MARATHON_* variable into an option, which must be one it has.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { marathonApp } from "../../components/marathon/marathon-app";
import {
  marathonContainer,
  marathonFileValues,
} from "../../components/marathon/marathon-containers";
import { HTTP_CREDENTIALS_VARIABLE } from "../../components/mesos/mesos-auth-plan";
import { startWithFiles } from "../../components/core/start-with-files";
import { RamlType } from "../../scripts/upstream/raml-types";
import { ramlProblems } from "../support/raml-check";
import { assertImageIs, checkOptions, OptionFacts, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<
  OptionFacts & {
    environment: { prefix: string; ignored: string[] };
    api: { types: Record<string, RamlType> };
  }
>("marathon");

test("the RAML check sees an unknown key, a wrong scalar, a value off its enum and a missing id", () => {
  const types = facts.api.types;
  assert.deepEqual(
    ramlProblems(types, "app.App", {
      id: "/x",
      cpus: "0.5",
      epsilon: 1,
      killSelection: "OLDEST",
      container: { type: "DOCKER", docker: { image: "i", pull: true } },
      env: { A: "1", B: { secret: "s" } },
      labels: { a: "b" },
    }),
    [
      '$.cpus: "0.5" is no number (number)',
      "$.epsilon: app.App has no such property",
      '$.killSelection: "OLDEST" is none of killSelection.KillSelection\'s ["YOUNGEST_FIRST","OLDEST_FIRST"]',
      "$.container.docker.pull: appContainer.DockerContainer has no such property",
    ],
  );
  assert.deepEqual(ramlProblems(types, "app.App", { instances: 1 }), ["$.id: required by app.App"]);
});

/** The options Marathon makes of its environment, as `envToArgs` does. */
function envToArgs(env: Record<string, string>): string[] {
  const { prefix, ignored } = facts.environment;
  return Object.entries(env).flatMap(([k, v]) => {
    if (!k.startsWith(prefix) || ignored.some((p) => k.startsWith(p))) return [];
    const name = `--${k.slice(prefix.length).toLowerCase()}`;
    return v === "" ? [name] : [name, v];
  });
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: every Marathon app is an app of Marathon's v2 API (app.App), key by key`, () => {
    const services = spec.services.filter((s) => s.mode === "marathon");
    assert.ok(services.length > 0);
    for (const service of services)
      assert.deepEqual(
        ramlProblems(facts.api.types, "app.App", marathonApp(spec, service)),
        [],
        service.name,
      );
  });

  test(`${stack}: the Marathon image is the version the facts come from`, () => {
    assert.equal(facts.image, DEFAULT_IMAGES.marathon);
    assertImageIs(spec.images.marathon, facts.image);
  });

  test(`${stack}: every variable Marathon gets becomes an option it has, once, with a value of its type`, () => {
    assert.deepEqual(facts.entrypoint, ["/marathon/bin/marathon"]);
    // Credentials are asked for here: ZooKeeper's two URLs and the API's `user:password` are read
    // from files into their variables before the image's entrypoint runs (startWithFiles).
    const fileValues = marathonFileValues(spec);
    assert.ok(fileValues?.env);
    const zkHosts = spec.masters.map((m) => `${m.address}:2181`).join(",");
    // The API's credentials: the variable `http_credentials` defaults to (HttpConf.scala reads
    // MESOSPHERE_HTTP_CREDENTIALS), not an option, so they are not in the command line.
    const httpCredentials = facts.options.find((o) => o.name === "http_credentials");
    assert.equal(httpCredentials?.default, "httpCredentialsEnvValue");
    for (const host of spec.masters) {
      const c = marathonContainer(spec, host);
      // It advertises its host's address to the masters (startWithFiles' advertiseAddress).
      assert.deepEqual(
        c.entrypoint,
        startWithFiles(facts.entrypoint, { ...fileValues, advertiseAddress: host.address }),
      );
      assert.equal(c.command, undefined);
      const fromFiles: Record<string, string> = Object.fromEntries(
        Object.entries(fileValues.env).map(([name, path]) => [
          name,
          c.files!.find((f) => f.path === path)!.content,
        ]),
      );
      const { [HTTP_CREDENTIALS_VARIABLE]: api, ...zookeeper } = fromFiles;
      assert.deepEqual(zookeeper, {
        MARATHON_MASTER: `zk://marathon:@@secret:zookeeperPassword@@@${zkHosts}/mesos`,
        MARATHON_ZK: `zk://marathon:@@secret:zookeeperPassword@@@${zkHosts}/marathon`,
      });
      // HttpModule wants `user:password`, the user without ':'.
      assert.equal(api, "platform-admin:@@secret:mesosAdminSecret@@");
      const env = { ...(c.env ?? {}), ...zookeeper };
      assert.equal(JSON.stringify(c.env).includes("@@secret:"), false);
      // Marathon's own variables, and libprocess' (Mesos' library, which Marathon embeds).
      for (const name of Object.keys(env))
        assert.ok(
          name.startsWith(facts.environment.prefix) || name === "LIBPROCESS_PORT",
          `${name}: Marathon reads no such variable`,
        );
      assert.equal(c.env?.LIBPROCESS_PORT, "8081");
      const options = checkOptions(facts, envToArgs(env));
      assert.equal(options.get("http_port"), "8080");
      // It registers with the masters as its principal, its secret read from a file as is.
      assert.ok(options.has("mesos_authentication"), "the toggle is on");
      assert.equal(options.get("mesos_authentication_principal"), "marathon");
      const secretFile = options.get("mesos_authentication_secret_file");
      assert.equal(
        c.files!.find((f) => f.path === secretFile)?.content,
        "@@secret:marathonSecret@@",
      );
      assert.equal(options.get("hostname"), host.address);
    }
  });
}
