// The Mesos masters and agents as the platform starts them, against the flags of the Mesos version
// the stacks' images name (upstream/mesos.json, extracted from apache/mesos by
// scripts/upstream/extract.ts). Mesos loads `MESOS_*` variables as flags and silently ignores a
// variable that names no flag, so a misspelt one would change nothing and say nothing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { HostSpec } from "../../components/core/config-schema";
import { ContainerSpec } from "../../components/core/container-spec";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { mesosAgentContainer, mesosMasterContainer } from "../../components/mesos/mesos-containers";
import { startWithFiles } from "../../components/core/start-with-files";
import { StoutFlag } from "../../scripts/upstream/stout-flags";
import { assertImageIs } from "../support/upstream-facts";

interface Binary {
  environmentPrefix: string;
  insists: string[];
  flags: StoutFlag[];
}
const facts = JSON.parse(readFileSync("upstream/mesos.json", "utf8")) as {
  images: string[];
  master: Binary;
  agent: Binary;
};

/** What a value of a flag's C++ type must look like (stout's parsers), for the types given. */
const VALUE: Record<string, RegExp> = {
  bool: /^(true|false)$/,
  int: /^-?\d+$/,
  uint16_t: /^\d+$/,
  size_t: /^\d+$/,
  double: /^-?\d+(\.\d+)?$/,
  Duration: /^\d+(\.\d+)?(ns|us|ms|secs|mins|hrs|days|weeks)$/,
  Bytes: /^\d+(B|KB|MB|GB|TB)$/,
  "std::string": /^.+$/,
  Path: /^.+$/,
  "flags::SecurePathOrValue": /^.+$/,
  // A JSON object, checked below against include/mesos/authorizer/acls.proto.
  ACLs: /^\{.*\}$/,
};

/**
 * The ACLs' shape in Mesos 1.7.1 (include/mesos/authorizer/acls.proto): `register_frameworks` is
 * a list of `{principals, roles}` Entities, each `{type: SOME|ANY|NONE}` or `{values: [...]}`.
 */
function assertRegisterFrameworksAcl(json: string): { principals: unknown; roles: unknown }[] {
  const acls = JSON.parse(json) as Record<string, unknown>;
  assert.deepEqual(Object.keys(acls), ["register_frameworks"]);
  const rules = acls.register_frameworks as Record<string, Record<string, unknown>>[];
  for (const rule of rules) {
    assert.deepEqual(Object.keys(rule).sort(), ["principals", "roles"]);
    for (const entity of Object.values(rule)) {
      if ("type" in entity) assert.ok(["SOME", "ANY", "NONE"].includes(entity.type as string));
      else assert.ok(Array.isArray(entity.values));
    }
  }
  return rules as { principals: unknown; roles: unknown }[];
}

/** Checks a container's environment as the binary loads it; returns the flags given, by name. */
function checkEnvironment(binary: Binary, env: Record<string, string>): Map<string, string> {
  const given = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    assert.ok(key.startsWith(binary.environmentPrefix), `${key}: not a flag variable`);
    const name = key.slice(binary.environmentPrefix.length).toLowerCase();
    const flag = binary.flags.find((f) => f.name === name || f.aliases?.includes(name));
    assert.ok(flag, `${key}: Mesos has no flag --${name}, and would ignore it`);
    const type = flag.type.replace(/^Option<(.*)>$/, "$1");
    const shape = VALUE[type];
    assert.ok(shape, `${key}: type ${flag.type} has no check here yet`);
    assert.match(value, shape, `${key}=${value}: a ${flag.type}`);
    assert.ok(!given.has(flag.name), `--${flag.name} given twice`);
    given.set(flag.name, value);
  }
  for (const flag of binary.flags.filter((f) => f.required))
    assert.ok(given.has(flag.name), `--${flag.name} is required`);
  for (const message of binary.insists) {
    const named = [...message.matchAll(/--(\w+)/g)].map((m) => m[1]);
    assert.ok(
      named.some((n) => given.has(n)),
      `main.cpp insists: ${message}`,
    );
  }
  return given;
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);
  const check = (binary: Binary, hosts: HostSpec[], env: (h: HostSpec) => Record<string, string>) =>
    hosts.map((h) => checkEnvironment(binary, env(h)));

  test(`${stack}: the Mesos images are the version the facts come from`, () => {
    assert.deepEqual(facts.images, [DEFAULT_IMAGES.mesosMaster, DEFAULT_IMAGES.mesosAgent]);
    assertImageIs(spec.images.mesosMaster, facts.images[0]);
    assertImageIs(spec.images.mesosAgent, facts.images[1]);
  });

  test(`${stack}: masters and agents start from the image's program with no command (the master image's CMD, --registry=in_memory, would win over MESOS_REGISTRY), advertising their host's address`, () => {
    for (const [hosts, container, program] of [
      [spec.masters, mesosMasterContainer, "mesos-master"],
      [spec.slaves, mesosAgentContainer, "mesos-slave"],
    ] as const)
      for (const h of hosts) {
        const c = container(spec, h);
        assert.equal(c.command, undefined, h.id);
        assert.deepEqual(
          c.entrypoint,
          startWithFiles([program], { advertiseAddress: h.address }),
          h.id,
        );
      }
  });

  test(`${stack}: every MESOS_* variable of the masters and agents names a flag of that version, with a value of its type, and what Mesos insists on is there`, () => {
    const masters = check(facts.master, spec.masters, (h) => mesosMasterContainer(spec, h).env!);
    assert.equal(masters[0].get("quorum"), String(spec.quorum));
    assert.equal(masters[0].get("registry"), "replicated_log");
    const agents = check(facts.agent, spec.slaves, (h) => mesosAgentContainer(spec, h).env!);
    // ZooKeeper asks for credentials here: each part's URL, with its own user, is in a file that
    // the flag names (a SecurePathOrValue flag reads the file a `file://` value names).
    const urlIn = (c: ContainerSpec, flag: { value?: string; type: string }) => {
      assert.equal(flag.type, "Option<flags::SecurePathOrValue>");
      const path = /^file:\/\/(\/.+)$/.exec(flag.value ?? "")?.[1];
      return c.files?.find((f) => f.path === path)?.content;
    };
    const typeOf = (binary: Binary, name: string) =>
      binary.flags.find((f) => f.name === name)!.type;
    // Mesos's authentication: agents, frameworks (libprocess and HTTP) and HTTP clients, all
    // against one credentials file, and only the frameworks' principals register frameworks.
    for (const flag of [
      "authenticate_agents",
      "authenticate_frameworks",
      "authenticate_http_frameworks",
      "authenticate_http_readwrite",
      "authenticate_http_readonly",
    ])
      assert.equal(masters[0].get(flag), "true", flag);
    assert.equal(masters[0].get("http_framework_authenticators"), "basic");
    const fileAt = (c: ContainerSpec, path: string | undefined) =>
      c.files?.find((f) => f.path === path)?.content;
    const master = mesosMasterContainer(spec, spec.masters[0]);
    assert.equal(typeOf(facts.master, "credentials"), "Option<Path>");
    const principals = JSON.parse(fileAt(master, masters[0].get("credentials"))!) as {
      credentials: { principal: string; secret: string }[];
    };
    assert.deepEqual(
      principals.credentials.map((c) => c.principal),
      ["platform-admin", "mesos-agent", "marathon", "chronos"],
    );
    assert.deepEqual(assertRegisterFrameworksAcl(masters[0].get("acls")!), [
      { principals: { values: ["marathon", "chronos"] }, roles: { type: "ANY" } },
      { principals: { type: "ANY" }, roles: { type: "NONE" } },
    ]);
    const agent = mesosAgentContainer(spec, spec.slaves[0]);
    assert.equal(typeOf(facts.agent, "credential"), "Option<Path>");
    assert.equal(typeOf(facts.agent, "http_credentials"), "Option<Path>");
    assert.deepEqual(JSON.parse(fileAt(agent, agents[0].get("credential"))!), {
      principal: "mesos-agent",
      secret: "@@secret:mesosAgentSecret@@",
    });
    assert.deepEqual(JSON.parse(fileAt(agent, agents[0].get("http_credentials"))!), {
      credentials: [{ principal: "platform-admin", secret: "@@secret:mesosAdminSecret@@" }],
    });
    assert.equal(agents[0].get("authenticate_http_readwrite"), "true");
    assert.equal(agents[0].get("authenticate_http_readonly"), "true");
    const zkHosts = spec.masters.map((m) => `${m.address}:2181`).join(",");
    assert.equal(
      urlIn(mesosMasterContainer(spec, spec.masters[0]), {
        value: masters[0].get("zk"),
        type: typeOf(facts.master, "zk"),
      }),
      `zk://mesos-master:@@secret:zookeeperPassword@@@${zkHosts}/mesos`,
    );
    assert.equal(
      urlIn(mesosAgentContainer(spec, spec.slaves[0]), {
        value: agents[0].get("master"),
        type: typeOf(facts.agent, "master"),
      }),
      `zk://mesos-agent:@@secret:zookeeperPassword@@@${zkHosts}/mesos`,
    );
    for (const c of [
      mesosMasterContainer(spec, spec.masters[0]),
      mesosAgentContainer(spec, spec.slaves[0]),
    ])
      assert.equal(c.command, undefined, "everything as variables");
  });
}
