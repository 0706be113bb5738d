// The DIRAC installation's MariaDB (`dirac.database`): its container, the statements it runs at
// each start (the databases the catalog's services name, the DIRAC user and its password as a
// secret's placeholder), where a DB-backed service's configuration says it is, and what is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CatalogInput } from "../../components/core/catalog-schema";
import { platformFromValues } from "../../components/platform-values";
import { PlatformSpec } from "../../components/core/platform-spec";
import { databasePlan } from "../../components/plan";
import { serviceInstance } from "../../components/services/service-containers";
import { localValues, problemsOf } from "../support/local-values";

const SAMPLE = "lhcb-platform/service:1.0.0";
const CHECK = { command: ["dirac-platform", "ping"] };

const catalog: CatalogInput = {
  services: [
    { name: "Configuration/Server", instances: 1, port: 9135, protocol: "tcp", check: CHECK },
    {
      name: "ResourceStatus/ResourceStatus",
      instances: 1,
      port: 9160,
      protocol: "tcp",
      check: CHECK,
      databases: ["ResourceStatusDB", "ResourceManagementDB"],
      options: { "Authorization/Default": "SiteManager", "Authorization/select": "all" },
    },
    {
      name: "Framework/Notification",
      instances: 1,
      port: 9154,
      protocol: "tcp",
      check: CHECK,
      databases: ["NotificationDB", "ResourceStatusDB"],
    },
  ],
};

/** The local stack on DIRAC with its database on `host`, and `entries`. */
function stack(entries: CatalogInput = catalog, host = "ops-1"): PlatformSpec {
  const { config } = localValues();
  return platformFromValues({
    stack: "local",
    config: { ...config, dirac: { installation: "Local", database: { host } } },
    catalog: entries,
  });
}

/** The files of `service`'s first instance, by path. */
function filesOf(spec: PlatformSpec, service: string): Record<string, string> {
  const s = spec.services.find((x) => x.name === service)!;
  const c = serviceInstance(
    spec,
    s,
    spec.hosts.find((h) => h.id === s.hosts[0])!,
  ).container;
  return Object.fromEntries((c.files ?? []).map((f) => [f.path, f.content]));
}

test("MariaDB on the database host: its data in a volume, every database the services name made at each start, the DIRAC user allowed those alone", () => {
  const [planned] = databasePlan(stack());
  assert.equal(planned.hostId, "ops-1");
  const c = planned.container;
  assert.equal(c.name, "local-dirac-database-ops-1");
  assert.equal(c.image, "lhcb-platform/mariadb:10.11");
  assert.deepEqual(c.volumes, [
    { volume: "local-dirac-database-ops-1-data", containerPath: "/var/lib/mysql" },
  ]);
  assert.deepEqual(c.ports, []);
  assert.equal(c.labels!["platform.component"], "dirac-database");
  assert.deepEqual(c.files, [
    {
      path: "/etc/mysql/platform/init.sql",
      content: [
        "CREATE DATABASE IF NOT EXISTS `NotificationDB`;",
        "CREATE DATABASE IF NOT EXISTS `ResourceManagementDB`;",
        "CREATE DATABASE IF NOT EXISTS `ResourceStatusDB`;",
        "CREATE USER IF NOT EXISTS 'dirac'@'%' IDENTIFIED BY '@@secret:diracDatabasePassword@@';",
        "ALTER USER 'dirac'@'%' IDENTIFIED BY '@@secret:diracDatabasePassword@@';",
        "GRANT ALL PRIVILEGES ON `NotificationDB`.* TO 'dirac'@'%';",
        "GRANT ALL PRIVILEGES ON `ResourceManagementDB`.* TO 'dirac'@'%';",
        "GRANT ALL PRIVILEGES ON `ResourceStatusDB`.* TO 'dirac'@'%';",
        "",
      ].join("\n"),
    },
  ]);
});

test("no database host: no MariaDB", () => {
  const { config } = localValues();
  const spec = platformFromValues({
    stack: "local",
    config: { ...config, dirac: { installation: "Local" } },
    catalog: { services: [catalog.services![0]] },
  });
  assert.deepEqual(databasePlan(spec), []);
});

test("a DB-backed service's own dirac.cfg says where its databases are, the password a secret's placeholder; what the Configuration Server serves holds no password", () => {
  const spec = stack();
  const cfg = filesOf(spec, "ResourceStatus/ResourceStatus")["/opt/dirac/etc/dirac.cfg"];
  const after = (marker: string, n: number) => {
    const lines = cfg.split("\n");
    const i = lines.indexOf(marker);
    assert.ok(i >= 0, `${marker} in\n${cfg}`);
    return lines.slice(i, i + n);
  };
  assert.deepEqual(after("  Databases", 7), [
    "  Databases",
    "  {",
    "    User = dirac",
    "    Password = @@secret:diracDatabasePassword@@",
    "    Host = local-dirac-database-ops-1",
    "    Port = 3306",
    "  }",
  ]);
  assert.deepEqual(after("    Databases", 11), [
    "    Databases",
    "    {",
    "      ResourceStatusDB",
    "      {",
    "        DBName = ResourceStatusDB",
    "      }",
    "      ResourceManagementDB",
    "      {",
    "        DBName = ResourceManagementDB",
    "      }",
    "    }",
  ]);
  // its options' subsection
  assert.deepEqual(after("        Authorization", 5), [
    "        Authorization",
    "        {",
    "          Default = SiteManager",
    "          select = all",
    "        }",
  ]);
  for (const [path, content] of Object.entries(filesOf(spec, "Configuration/Server")))
    assert.ok(!/Password|Databases/.test(content), path);
});

test("databases only for DIRAC services, only with a database host that is a host of the stack", () => {
  const sample = {
    name: "Sample/Echo",
    image: SAMPLE,
    instances: 1,
    port: 9170,
    databases: ["EchoDB"],
  };
  assert.deepEqual(
    problemsOf(() => stack({ services: [...catalog.services!, sample] }, "db-9")),
    [
      "catalog: services[3].databases: expected none: only a DIRAC service (on the platform image) is given its databases (Sample/Echo)",
      'config: dirac.database.host: expected the id of a host of hosts; got "db-9"',
    ],
  );
  const { config } = localValues();
  assert.deepEqual(
    problemsOf(() =>
      platformFromValues({
        stack: "local",
        config: { ...config, dirac: { installation: "Local" } },
        catalog,
      }),
    ),
    [
      "config: dirac.database: expected a database host: ResourceStatus/ResourceStatus, Framework/Notification name databases",
    ],
  );
});
