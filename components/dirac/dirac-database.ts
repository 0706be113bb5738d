import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  platformLabels,
  reachableAs,
  secretPlaceholder,
} from "../core/container-spec";
import { containerName, partAddress, PORTS } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";
import { DatabaseAccess } from "./dirac-cfg";

/** What the database plan reads of the platform. */
export type DatabaseSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "services" | "images" | "dirac"
>;

/** The part's name: its container is `<stack>-dirac-database-<host>`. */
export const DATABASE_PART = "dirac-database";

/** The MariaDB user every DIRAC service of the installation connects as. */
export const DATABASE_USER = "dirac";

/** Where MariaDB reads the platform's statements at each start (`mariadb-platform`). */
export const DATABASE_INIT_FILE = "/etc/mysql/platform/init.sql";

/** The host MariaDB runs on (`dirac.database.host`); undefined when the stack has no database. */
export function databaseHost(spec: DatabaseSpec): HostSpec | undefined {
  const id = spec.dirac?.database?.host;
  return id === undefined ? undefined : spec.hosts.find((h) => h.id === id);
}

/** How a DIRAC service reaches the database: the password is the secret's placeholder. */
export function databaseAccess(spec: DatabaseSpec): DatabaseAccess {
  const host = databaseHost(spec);
  if (host === undefined) throw new Error("the stack's DIRAC installation has no database");
  return {
    host: partAddress(spec, DATABASE_PART, host),
    port: PORTS.mariadb,
    user: DATABASE_USER,
    password: secretPlaceholder("diracDatabasePassword"),
  };
}

/** Every database the catalog's services name, sorted, once each. */
export function databaseNames(spec: Pick<PlatformSpec, "services">): string[] {
  return [...new Set(spec.services.flatMap((s) => s.databases))].sort();
}

/** A string as a MariaDB literal: quotes and backslashes escaped. */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The statements MariaDB runs at each start: each database the services name, and the DIRAC user
 * with the stack's password (set again each time: a new secret takes effect on the next start),
 * allowed those databases and nothing else. The root account stays reachable only through the
 * local socket.
 */
export function databaseInitSql(spec: DatabaseSpec): string {
  const user = `${sqlString(DATABASE_USER)}@'%'`;
  const password = sqlString(secretPlaceholder("diracDatabasePassword"));
  const databases = databaseNames(spec);
  return [
    ...databases.map((db) => `CREATE DATABASE IF NOT EXISTS \`${db}\`;`),
    `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${password};`,
    `ALTER USER ${user} IDENTIFIED BY ${password};`,
    ...databases.map((db) => `GRANT ALL PRIVILEGES ON \`${db}\`.* TO ${user};`),
    "",
  ].join("\n");
}

/**
 * The installation's MariaDB on `host`: one instance, its data in a volume of the host, listening
 * on 3306 (on the host's address at a site, where the services' hosts reach it).
 */
export function databaseContainer(spec: DatabaseSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, DATABASE_PART, host.id);
  return {
    ...reachableAs(name),
    image: spec.images.database,
    ports: spec.local ? [] : [{ internal: PORTS.mariadb, external: PORTS.mariadb }],
    // Its data outlives the container: a release or a new image keeps it.
    volumes: [{ volume: `${name}-data`, containerPath: "/var/lib/mysql" }],
    files: [{ path: DATABASE_INIT_FILE, content: databaseInitSql(spec) }],
    restart: "always",
    memoryMb: 512,
    labels: platformLabels(spec.stack, DATABASE_PART, { "platform.host": host.id }),
    stopGraceSeconds: 30,
  };
}
