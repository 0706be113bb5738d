// InfluxDB's first user, made before InfluxDB listens where anyone else can reach it. With
// `auth-enabled`, InfluxDB 1.x takes `CREATE USER ... WITH ALL PRIVILEGES` from anyone while it
// has no user, so whoever asks first after it starts listening becomes its admin. Its container
// therefore starts it once on the loopback alone, makes the library's user there, stops it, and
// only then runs it as configured. Pure: the files and the command of InfluxDB's container.
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { PORTS } from "../core/endpoints";
import { MetricsSpec } from "../core/platform-spec";
import {
  influxdbAdminPasswordStatement,
  influxdbAdminStatement,
  influxdbAuthEnforced,
  INFLUXDB_USERS,
} from "./influxdb-auth-plan";

/**
 * Where the start's files are: the script, the statements that make the library's user and set
 * its password, its credential for curl (`-K`), all from the plan; the mark in the data volume
 * that says the first user is made, and the credential InfluxDB's admin has there now.
 */
export const INFLUXDB_FIRST_USER_PATHS = {
  script: "/etc/influxdb/platform-start.sh",
  statement: "/etc/influxdb/first-user.influxql",
  passwordStatement: "/etc/influxdb/admin-password.influxql",
  credential: "/etc/influxdb/admin.curl",
  made: "/var/lib/influxdb/.platform-first-user",
  kept: "/var/lib/influxdb/.platform-admin.curl",
} as const;

/**
 * The container's start, `sh SCRIPT CONFIG`. Until the mark exists: influxd on 127.0.0.1 alone,
 * in plain HTTP (nothing leaves the container's or host's loopback), the statement sent from its
 * file (`curl --data-urlencode q@FILE`: the password is in no command line), influxd stopped, the
 * mark left. InfluxDB refusing the statement for want of credentials means it has a user already
 * (a volume from before): that will do too. Then, where the admin's credential kept in the data
 * volume differs from the planned one (its password made anew, docs/security.md), influxd on the
 * loopback again, authentication on, sets the planned password as the kept one's admin, and the
 * planned credential is kept (root's alone); with none kept yet (data from before), the planned one
 * is taken as the current. Anything else stops the start, saying what InfluxDB answered; Docker
 * starts the container again. Then influxd runs as configured, in its place.
 */
export const INFLUXDB_START_SCRIPT = `#!/bin/sh
set -u
config=$1
statement=${INFLUXDB_FIRST_USER_PATHS.statement}
password=${INFLUXDB_FIRST_USER_PATHS.passwordStatement}
credential=${INFLUXDB_FIRST_USER_PATHS.credential}
made=${INFLUXDB_FIRST_USER_PATHS.made}
kept=${INFLUXDB_FIRST_USER_PATHS.kept}
here=http://127.0.0.1:${PORTS.influxdb}
loopback() {
  INFLUXDB_HTTP_BIND_ADDRESS=127.0.0.1:${PORTS.influxdb} INFLUXDB_HTTP_HTTPS_ENABLED=false influxd -config "$config" &
  pid=$!
  tries=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$here/ping")" = 204 ]; do
    tries=$((tries + 1))
    if [ "$tries" -ge 600 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "platform-start: InfluxDB did not answer on the loopback within 60 s" >&2
      kill "$pid" 2>/dev/null; exit 1
    fi
    sleep 0.1
  done
}
send() {
  answer=$(curl -s -w ' HTTP %{http_code}' "$@" -XPOST "$here/query" | tr -d '\\n')
  kill "$pid"; wait "$pid"
}
keep() {
  (umask 077 && cp "$credential" "$kept.new") && mv "$kept.new" "$kept" || exit 1
}
if [ ! -e "$made" ]; then
  loopback
  send --data-urlencode "q@$statement"
  case "$answer" in
    *'"statement_id":0}]}'*' HTTP 200') echo "platform-start: InfluxDB's first user made on the loopback" ;;
    *' HTTP 401') echo "platform-start: InfluxDB has its users already" ;;
    *) echo "platform-start: InfluxDB's first user not made: $answer" >&2; exit 1 ;;
  esac
  : >"$made" || exit 1
fi
if [ ! -e "$kept" ]; then
  keep
elif ! cmp -s "$credential" "$kept"; then
  loopback
  send -K "$kept" --data-urlencode "q@$password"
  case "$answer" in
    *'"statement_id":0}]}'*' HTTP 200') echo "platform-start: InfluxDB's admin has its new password" ;;
    *) echo "platform-start: InfluxDB's admin password not set anew with the one kept in $kept: $answer" >&2; exit 1 ;;
  esac
  keep
fi
exec influxd -config "$config"
`;

/** `text` as a double-quoted value of curl's configuration file (`-K`). */
function curlConfigString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The start's files where InfluxDB asks for credentials (none on the local stack): the script,
 * and the statement that makes the library's user, its password a secret (`influxdbPassword`, the
 * admin's in InfluxDB's container).
 */
export function influxdbFirstUserFiles(spec: Pick<MetricsSpec, "local">): ContainerFile[] {
  if (!influxdbAuthEnforced(spec)) return [];
  const password = secretPlaceholder("influxdbPassword");
  return [
    { path: INFLUXDB_FIRST_USER_PATHS.script, content: INFLUXDB_START_SCRIPT },
    { path: INFLUXDB_FIRST_USER_PATHS.statement, content: `${influxdbAdminStatement(password)}\n` },
    {
      path: INFLUXDB_FIRST_USER_PATHS.passwordStatement,
      content: `${influxdbAdminPasswordStatement(password)}\n`,
    },
    { path: INFLUXDB_FIRST_USER_PATHS.credential, content: influxdbAdminCredential(password) },
  ];
}

/** The admin's credential as curl reads it from a file (`-K`): no password on a command line. */
export function influxdbAdminCredential(password: string): string {
  return `user = ${curlConfigString(`${INFLUXDB_USERS.admin}:${password}`)}\n`;
}

/** InfluxDB's command: through the start above where it asks for credentials, itself otherwise. */
export function influxdbCommand(spec: Pick<MetricsSpec, "local">, config: string): string[] {
  return influxdbAuthEnforced(spec)
    ? ["sh", INFLUXDB_FIRST_USER_PATHS.script, config]
    : ["influxd", "-config", config];
}
