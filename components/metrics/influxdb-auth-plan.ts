// InfluxDB's authentication as the platform plans it (pure): where it is on, its users and what
// each may do, and the deploy-time step that makes them. The passwords are made at `up`
// (`influxdbPasswords`); the plan holds their placeholders.
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { PlatformSpec } from "../core/platform-spec";
import { READY_TIMEOUT_SECONDS } from "../core/readiness";

/**
 * Whether InfluxDB asks for a user and a password (`auth-enabled`): everywhere but on the local
 * stack, whose parts are all on one machine's private network (docs/security.md).
 */
export function influxdbAuthEnforced(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/**
 * InfluxDB's users: the library's own (every privilege; it makes the database and the others),
 * the shippers' (write the metrics database only) and Grafana's (read it only).
 */
export const INFLUXDB_USERS = {
  admin: "platform-admin",
  writer: "metrics-writer",
  reader: "metrics-reader",
} as const;
export type InfluxdbRole = keyof typeof INFLUXDB_USERS;

/** Where a shipper finds its password (`INFLUXDB_PASSWORD_FILE`): a file, so it is in no container's environment. */
export const INFLUXDB_PASSWORD_FILE = "/etc/platform/influxdb-password";

/** The password file of a part that writes or reads InfluxDB (none where authentication is off). */
export function influxdbPasswordFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  return influxdbAuthEnforced(spec)
    ? [{ path: INFLUXDB_PASSWORD_FILE, content: secretPlaceholder("influxdbPassword") }]
    : [];
}

/** An InfluxQL string literal of `value`: quoted, its backslashes and quotes escaped. */
export function influxqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * What the library's user runs, in order, once it exists: the database, and each other user with
 * its password (set again, so a new password takes) and its one grant. Each is idempotent:
 * `CREATE USER` of an existing user fails only when its password differs, and the setup step
 * lets that pass (`SET PASSWORD` follows).
 */
export function influxdbSetupStatements(
  database: string,
  passwords: { writer: string; reader: string },
): string[] {
  const user = (role: "writer" | "reader", grant: "WRITE" | "READ") => {
    const name = JSON.stringify(INFLUXDB_USERS[role]);
    return [
      `CREATE USER ${name} WITH PASSWORD ${influxqlString(passwords[role])}`,
      `SET PASSWORD FOR ${name} = ${influxqlString(passwords[role])}`,
      `GRANT ${grant} ON ${JSON.stringify(database)} TO ${name}`,
    ];
  };
  return [
    `CREATE DATABASE ${JSON.stringify(database)}`,
    ...user("writer", "WRITE"),
    ...user("reader", "READ"),
  ];
}

/**
 * The statement that makes the library's user, allowed without credentials only while InfluxDB
 * has no user: InfluxDB's container runs it on its loopback before it listens
 * (influxdb-first-user.ts).
 */
export function influxdbAdminStatement(password: string): string {
  return `CREATE USER ${JSON.stringify(INFLUXDB_USERS.admin)} WITH PASSWORD ${influxqlString(password)} WITH ALL PRIVILEGES`;
}

/** The statement that gives the library's user `password`, run by InfluxDB's start as the user with the password it had (influxdb-first-user.ts). */
export function influxdbAdminPasswordStatement(password: string): string {
  return `SET PASSWORD FOR ${JSON.stringify(INFLUXDB_USERS.admin)} = ${influxqlString(password)}`;
}

/**
 * The setup program, run where `pulumi up` runs: waits (every 100 ms, up to its timeout) until
 * InfluxDB answers its ping, then runs each statement of INFLUX_STATEMENTS as the library's user,
 * which InfluxDB's container made before it listened (influxdb-first-user.ts). A statement that
 * fails stops it, named with its passwords masked.
 */
export const INFLUXDB_SETUP_PROGRAM = [
  "const e = process.env, end = Date.now() + Number(e.PROBE_TIMEOUT_SECONDS) * 1000;",
  "const mask = (s) => s.replace(/'[^']*'/g, \"'…'\");",
  'const auth = "Basic " + Buffer.from(`${e.INFLUX_ADMIN_USER}:${e.INFLUX_ADMIN_PASSWORD}`).toString("base64");',
  "const query = async (q) => {",
  '  const r = await fetch(`${e.INFLUX_URL}/query`, { method: "POST", headers: { authorization: auth }, body: new URLSearchParams({ q }), signal: AbortSignal.timeout(5000) });',
  "  return { status: r.status, body: await r.text() }; };",
  "const fail = (m) => { console.error(`${e.PROBE_WHAT}: ${m}`); process.exit(1); };",
  "(async () => {",
  '  for (let last = "no answer";;) {',
  "    try { const r = await fetch(`${e.INFLUX_URL}/ping`, { signal: AbortSignal.timeout(1000) }); if (r.status === 204) break; last = `HTTP ${r.status}`; } catch (x) { last = x.cause?.message ?? x.message; }",
  "    if (Date.now() > end) fail(`no answer after ${e.PROBE_TIMEOUT_SECONDS}s (${e.INFLUX_URL}/ping: ${last})`);",
  "    await new Promise((r) => setTimeout(r, 100)); }",
  "  for (const q of JSON.parse(e.INFLUX_STATEMENTS)) {",
  "    const r = await query(q);",
  "    const error = r.status === 200 ? JSON.parse(r.body).results?.[0]?.error : r.body.trim();",
  '    if (error !== undefined && !(q.startsWith("CREATE USER") && error === "user already exists")) fail(`${mask(q)}: HTTP ${r.status} ${mask(String(error))}`);',
  "  } })();",
].join("\n");

/** The shell command that runs the setup program; what it does is in its environment (`influxdbSetupEnvironment`). */
export const INFLUXDB_SETUP_COMMAND = 'node -e "$INFLUXDB_SETUP_PROGRAM"';

/** The environment of `INFLUXDB_SETUP_COMMAND`: InfluxDB at `url`, the passwords of its users. */
export function influxdbSetupEnvironment(
  what: string,
  url: string,
  database: string,
  passwords: Record<InfluxdbRole, string>,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return {
    INFLUXDB_SETUP_PROGRAM,
    PROBE_WHAT: what,
    PROBE_TIMEOUT_SECONDS: String(timeoutSeconds),
    INFLUX_URL: url,
    INFLUX_ADMIN_USER: INFLUXDB_USERS.admin,
    INFLUX_ADMIN_PASSWORD: passwords.admin,
    INFLUX_STATEMENTS: JSON.stringify(influxdbSetupStatements(database, passwords)),
  };
}
