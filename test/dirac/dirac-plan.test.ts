// Where a stack runs DIRAC (`dirac`): each instance of a catalog service on the platform image
// gets the installation's configuration, rendered from the whole catalog with the balancers'
// addresses as the services' URLs; a Configuration Server's instance also its master file. And
// what such a catalog cannot hold, refused with the file and field before anything is declared.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CatalogInput } from "../../components/core/catalog-schema";
import { platformFromValues } from "../../components/platform-values";
import { PlatformSpec } from "../../components/core/platform-spec";
import { serviceInstance } from "../../components/services/service-containers";
import { localValues, problemsOf } from "../support/local-values";

const SAMPLE = "lhcb-platform/service:1.0.0";

const catalog: CatalogInput = {
  defaults: { cpus: 0.1, memoryMb: 256 },
  services: [
    {
      name: "Configuration/Server",
      instances: 2,
      port: 9135,
      protocol: "tcp",
      check: { command: ["dirac-platform", "ping"] },
    },
    {
      name: "DataManagement/StorageElement",
      instances: 1,
      port: 9148,
      protocol: "tcp",
      check: { tcp: true },
      options: { BasePath: "/srv/storage" },
    },
    { name: "Test/Echo", image: SAMPLE, instances: 1, port: 9162 },
  ],
};

/** The local stack's hosts and images, its platform image DIRAC's, with `catalog`. */
function diracStack(entries: CatalogInput = catalog): PlatformSpec {
  const { config } = localValues();
  return platformFromValues({
    stack: "local",
    config: {
      ...config,
      images: { ...config.images, service: "lhcb-platform/dirac:9.1.22" },
      dirac: { installation: "Local" },
    },
    catalog: entries,
  });
}

/** The files of the container of `service`'s instance on `hostId`, by path. */
function filesOf(spec: PlatformSpec, service: string, hostId: string): Record<string, string> {
  const s = spec.services.find((x) => x.name === service)!;
  const host = spec.hosts.find((h) => h.id === hostId)!;
  const c = serviceInstance(spec, s, host).container;
  return Object.fromEntries((c.files ?? []).map((f) => [f.path, f.content]));
}

const SYSTEMS = [
  "Systems",
  "{",
  "  Configuration",
  "  {",
  "    Services",
  "    {",
  "      Server",
  "      {",
  "        HandlerPath = DIRAC/ConfigurationSystem/Service/ConfigurationHandler.py",
  "        Port = 9135",
  "        Protocol = dip",
  "      }",
  "    }",
  "    URLs",
  "    {",
  "      Server = dip://local-lb-lb-1:9135/Configuration/Server, dip://local-lb-lb-2:9135/Configuration/Server",
  "    }",
  "  }",
  "  DataManagement",
  "  {",
  "    Services",
  "    {",
  "      StorageElement",
  "      {",
  "        Port = 9148",
  "        Protocol = dip",
  "        BasePath = /srv/storage",
  "      }",
  "    }",
  "    URLs",
  "    {",
  "      StorageElement = dip://local-lb-lb-1:9148/DataManagement/StorageElement, dip://local-lb-lb-2:9148/DataManagement/StorageElement",
  "    }",
  "  }",
  "}",
];

const SERVERS =
  "Servers = dip://local-lb-lb-1:9135/Configuration/Server, dip://local-lb-lb-2:9135/Configuration/Server";

test("a Configuration Server's instance: dirac.cfg as the master under the first balancer's name, and the master file with every DIRAC service through both balancers", () => {
  const spec = diracStack();
  const cs = spec.services.find((s) => s.name === "Configuration/Server")!;
  assert.deepEqual(cs.hosts.length, 2);
  for (const host of cs.hosts)
    assert.deepEqual(filesOf(spec, "Configuration/Server", host), {
      "/opt/dirac/etc/dirac.cfg": [
        "DIRAC",
        "{",
        "  Hostname = local-lb-lb-1",
        "  Security",
        "  {",
        "    UseServerCertificate = no",
        "  }",
        "  Configuration",
        "  {",
        "    Name = Local",
        "    Master = yes",
        `    ${SERVERS}`,
        "  }",
        "}",
        ...SYSTEMS,
        "",
      ].join("\n"),
      "/opt/dirac/etc/Local.cfg": [
        "DIRAC",
        "{",
        "  Configuration",
        "  {",
        "    Name = Local",
        `    ${SERVERS}`,
        "  }",
        "}",
        ...SYSTEMS,
        "",
      ].join("\n"),
    });
});

test("another DIRAC service's instance: dirac.cfg only, no master; a service on another image: no DIRAC file", () => {
  const spec = diracStack();
  const se = spec.services.find((s) => s.name === "DataManagement/StorageElement")!;
  const files = filesOf(spec, se.name, se.hosts[0]);
  assert.deepEqual(Object.keys(files), ["/opt/dirac/etc/dirac.cfg"]);
  assert.match(files["/opt/dirac/etc/dirac.cfg"], /\n {4}Master = no\n/);
  assert.doesNotMatch(files["/opt/dirac/etc/dirac.cfg"], /Hostname/);
  const echo = spec.services.find((s) => s.name === "Test/Echo")!;
  assert.deepEqual(filesOf(spec, echo.name, echo.hosts[0]), {});
  // Without `dirac`, the platform image gets no DIRAC file either.
  const config = { ...localValues().config, dirac: undefined };
  const plain = platformFromValues({
    stack: "local",
    config,
    catalog: { services: [{ ...catalog.services![1] }] },
  });
  assert.deepEqual(filesOf(plain, se.name, plain.services[0].hosts[0]), {});
});

test("a DIRAC catalog without its Configuration Server, with an HTTP service, the PROXY protocol, Marathon or a name without its system is refused, each naming the field", () => {
  const problems = problemsOf(() =>
    diracStack({
      services: [
        { name: "Framework/SystemAdministrator", port: 9162 },
        {
          name: "DataManagement/FileCatalog",
          port: 9197,
          protocol: "tcp",
          proxyProtocol: true,
          mode: "marathon",
          check: { tcp: true },
        },
        { name: "Test/Echo", image: SAMPLE, port: 9170 },
        { name: "Monitoring", port: 9171, protocol: "tcp", check: { tcp: true } },
      ],
      agents: [
        { name: "Transformation/TransformationAgent", schedule: "* * * * *" },
        { name: "Test/Sample", image: SAMPLE, schedule: "* * * * *" },
        { name: "Cleaner", run: "loop" },
        { name: "Transformation/InputDataAgent", schedule: "* * * * *", mode: "marathon" },
      ],
    }),
  );
  assert.deepEqual(problems, [
    // (this stack has Mesos off)
    "config: mode: features.mesos on: some catalog entries run in marathon mode",
    "catalog: services[0].protocol: expected tcp: a DIRAC service speaks DISET, not HTTP (Framework/SystemAdministrator runs DIRAC)",
    "catalog: services[0].check: expected a command check (a DISET ping through the instance's HTTP bridge) or a tcp check: a DIRAC service answers no HTTP path (Framework/SystemAdministrator runs DIRAC)",
    "catalog: services[1].proxyProtocol: expected false: DISET would read the PROXY protocol's header as a malformed call (DataManagement/FileCatalog runs DIRAC)",
    "catalog: services[1].mode: expected pulumi: the installation's configuration is uploaded into the containers Pulumi declares, and a Marathon task would start without it (DataManagement/FileCatalog runs DIRAC)",
    "catalog: services[3].name: expected System/Component: DIRAC finds a service by its system and component (Monitoring runs DIRAC)",
    "catalog: services: expected a Configuration/Server entry on the platform image: every DIRAC program reads the installation's configuration from it",
    "catalog: agents[2].name: expected System/Agent: DIRAC finds an agent by its system and name (Cleaner runs DIRAC)",
    "catalog: agents[3].mode: expected pulumi: the installation's configuration is uploaded into the containers Pulumi declares, and a Chronos run would start without it (Transformation/InputDataAgent runs DIRAC)",
  ]);
});

test("an agent's run and schedule agree: a cycle agent has a schedule, a loop agent none", () => {
  const problems = problemsOf(() =>
    diracStack({
      ...catalog,
      agents: [
        { name: "Transformation/InputDataAgent" },
        { name: "Transformation/TransformationAgent", run: "loop", schedule: "* * * * *" },
      ],
    }),
  );
  assert.deepEqual(problems, [
    "catalog: agents[0].schedule: expected a cron schedule: a cycle agent runs once at each of its firings",
    "catalog: agents[1].schedule: expected no schedule: a loop agent runs its own loop (a DIRAC agent's PollingTime) for as long as it holds the lock",
  ]);
});

test("an agent's DIRAC options are served by the Configuration Server and read by every DIRAC program; an agent without options has no section", () => {
  const spec = diracStack({
    ...catalog,
    agents: [
      { name: "Transformation/TransformationAgent", run: "loop", options: { PollingTime: "10" } },
      { name: "Transformation/InputDataAgent", schedule: "* * * * *" },
    ],
  });
  const cs = filesOf(spec, "Configuration/Server", spec.services[0].hosts[0]);
  const section = [
    "  Transformation",
    "  {",
    "    Agents",
    "    {",
    "      TransformationAgent",
    "      {",
    "        PollingTime = 10",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
  assert.ok(
    cs["/opt/dirac/etc/Local.cfg"].endsWith(`\n${section}`),
    cs["/opt/dirac/etc/Local.cfg"],
  );
  assert.ok(cs["/opt/dirac/etc/dirac.cfg"].endsWith(`\n${section}`));
  assert.ok(!cs["/opt/dirac/etc/dirac.cfg"].includes("InputDataAgent"));
});

test("a service's DIRAC options are one-word names and one-line values without a brace or comma", () => {
  const problems = problemsOf(() =>
    diracStack({
      services: [
        {
          ...catalog.services![0],
          options: { "Base Path": "x", Ok: "a,b", Other: "x}" },
        },
      ],
    }),
  );
  assert.deepEqual(problems, [
    "catalog: services[0].options.Base Path: expected an option name of letters, digits, '_', '-', '.' (a subsection's option: Section/Name)",
    "catalog: services[0].options.Ok: expected a value without a line break, a brace or a comma",
    "catalog: services[0].options.Other: expected a value without a line break, a brace or a comma",
  ]);
});
