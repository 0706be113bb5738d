/**
 * Filebeat's start script. Filebeat 7.17's Docker watcher lists the running containers, then
 * follows the Engine's events from the moment it begins to follow them: a container that starts
 * in between is in neither, and its log is not shipped until it or Filebeat starts again
 * (docs/upstream.md). That moment comes whenever Filebeat starts beside starting containers: a
 * host's reboot, where the Engine starts every container at once. So the script runs Filebeat,
 * and once it has run for a while asks the Engine (through the Docker API proxy, which passes
 * `/events`) which containers Filebeat ships started since it did; if any did,
 * Filebeat starts again, and lists them. A container whose log is shipped twice this way loses
 * nothing: the registry of read offsets is kept.
 */
import { DOCKER_API_SOCKET } from "../hosts/docker-api-proxy";

export interface FilebeatStartOptions {
  /** The stack: only its containers (`platform.stack`) with a `platform.service` label count. */
  stack: string;
  /** The host whose containers this Filebeat ships (`platform.host`). */
  hostId: string;
  /** Whether it also ships the containers with no `platform.host` label (`shipsUnplaced`). */
  shipsUnplaced: boolean;
  /** How long after Filebeat's start the script asks which containers started meanwhile. */
  windowSeconds: number;
  /** At most this many starts of Filebeat in a row for containers that started with it. */
  maxStarts: number;
}

/** A JSON string's text as the Engine's event stream writes it inside an object. */
function jsonPair(key: string, value: string): string {
  return JSON.stringify({ [key]: value }).slice(1, -1);
}

/**
 * The script's lines that print the names of the containers Filebeat ships among the start events
 * on its standard input (one JSON object a line, as `/events` writes them).
 */
export function shippedNamesFilter(o: FilebeatStartOptions): string {
  const mine = jsonPair("platform.host", o.hostId);
  const select = o.shipsUnplaced
    ? `awk -v mine='${mine}' 'index($0, mine) || !index($0, "\\"platform.host\\":")'`
    : `grep -F '${mine}'`;
  return `${select} | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort -u`;
}

/** The start script: Filebeat with the script's arguments, started again as said above. */
export function renderFilebeatStartScript(o: FilebeatStartOptions): string {
  const filters = JSON.stringify({
    type: ["container"],
    event: ["start"],
    label: [`platform.stack=${o.stack}`, "platform.service"],
  });
  return `#!/bin/bash
# Filebeat of ${o.stack} on ${o.hostId}; generated, do not edit
set -u
fb=
stop() {
  [ -z "$fb" ] || kill -TERM $fb 2>/dev/null
  [ -z "$fb" ] || wait $fb
  exit $?
}
trap stop TERM INT
# The names of the shipped containers that started from $1 until now (empty if the Engine is not
# reached: then this Filebeat cannot follow it either, and starting it again would not help).
started_since() {
  curl -fsS --max-time 10 --unix-socket ${DOCKER_API_SOCKET} -G http://docker/events \\
    --data-urlencode "since=$1" --data-urlencode "until=$(date +%s.%N)" \\
    --data-urlencode 'filters=${filters}' | ${shippedNamesFilter(o)}
}
starts=1
while :; do
  since=$(date +%s.%N)
  filebeat "$@" &
  fb=$!
  sleep ${o.windowSeconds} &
  wait -n $! $fb
  if ! kill -0 $fb 2>/dev/null; then wait $fb; exit $?; fi
  names=$(started_since "$since" | paste -sd ' ')
  [ -n "$names" ] || break
  if [ $starts -ge ${o.maxStarts} ]; then
    echo "filebeat-start: $names started while Filebeat started, after ${o.maxStarts} starts; not starting it again: restart this container if their logs are missing" >&2
    break
  fi
  echo "filebeat-start: $names started while Filebeat started; starting it again, so that it lists them" >&2
  kill -TERM $fb
  wait $fb
  starts=$((starts + 1))
done
wait $fb
`;
}
