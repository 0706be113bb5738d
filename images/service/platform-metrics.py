#!/usr/bin/env python3
"""platform-metrics: ships a host's container metrics from its cAdvisor to InfluxDB.

Usage:
  platform-metrics ship       every SHIP_INTERVAL seconds, the newest stats of the host and
                              of each of its Docker containers, read from cAdvisor's REST API
                              (v1.3), written to InfluxDB
  platform-metrics healthy    exit 0 if the last write is recent (3 intervals), else 1

Each point has the field `value` and the measurement cAdvisor's own InfluxDB storage gives it:
cpu_usage_total (ns, cumulative), memory_usage (bytes), rx_bytes, tx_bytes (cumulative). Tags:
`machine` (PLATFORM_HOST), `container_name` (the Docker name; "/" for the whole host), and the
container's Docker labels platform.stack, platform.service, platform.component, platform.host
where it has them. cAdvisor's storage writes the first two only, so a container Mesos starts
(`mesos-<id>`) would say nothing of the entry it runs; its labels do.

Environment:
  CADVISOR_URL      http://HOST:PORT of the host's cAdvisor
  INFLUXDB_URL      http://HOST:PORT or https://HOST:PORT of InfluxDB
  INFLUXDB_CACERT   the CA file an https:// InfluxDB's certificate is checked against (else the
                    system's CAs)
  INFLUXDB_DB       the database
  INFLUXDB_USER     the user to write as, where InfluxDB asks for credentials; its password
                    is read from the file INFLUXDB_PASSWORD_FILE (so it is in no environment)
  PLATFORM_HOST     this host's id; a container labelled with another platform.host (several
                    hosts on one Docker Engine) is left to that host's shipper
  SHIP_INTERVAL=10  seconds
  SHIP_MARK         file touched after each write (default /tmp/platform-metrics.shipped)

Python 3 standard library only.
"""

import base64
import datetime
import http.client
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse

LABELS = ("platform.stack", "platform.service", "platform.component", "platform.host")
INTERVAL = float(os.environ.get("SHIP_INTERVAL", "10"))
MARK = os.environ.get("SHIP_MARK", "/tmp/platform-metrics.shipped")


def log(msg):
    sys.stderr.write("%s %s\n" % (datetime.datetime.now(datetime.timezone.utc).isoformat(), msg))
    sys.stderr.flush()


def connection(base, timeout):
    """A connection to `base`: HTTP, or HTTPS checked against INFLUXDB_CACERT (its names too)."""
    url = urllib.parse.urlsplit(base)
    if url.scheme != "https":
        return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    ca = os.environ.get("INFLUXDB_CACERT", "").strip()
    tls = ssl.create_default_context(cafile=ca or None)
    return http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=timeout, context=tls)


def request(base, method, path, body=None, headers=None, timeout=5.0):
    """(status, body bytes) of one HTTP request to `base` (http:// or https://host:port)."""
    conn = connection(base, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def newest_stats(cadvisor, path):
    """cAdvisor's v1.3 answer at `path`, asked for one sample per container."""
    status, body = request(
        cadvisor, "GET", path, body=json.dumps({"num_stats": 1}),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise RuntimeError("cAdvisor %s: HTTP %d %s" % (path, status, body[:200]))
    return json.loads(body)


def epoch_ns(stamp):
    """Nanoseconds since the epoch of an RFC 3339 time with up to 9 fraction digits."""
    main, _, rest = stamp.partition(".")
    digits = "".join(c for c in rest if c.isdigit())
    whole = datetime.datetime.strptime(main.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    seconds = int(whole.replace(tzinfo=datetime.timezone.utc).timestamp())
    return seconds * 10**9 + int((digits + "000000000")[:9])


def escape(text):
    """A tag key or value in InfluxDB's line protocol."""
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")


def points(name, labels, stats, machine):
    """The line-protocol lines of one container's newest sample."""
    if not stats:
        return []
    s = stats[-1]
    tags = {"machine": machine, "container_name": name}
    for key in LABELS:
        if labels.get(key):
            tags[key] = labels[key]
    tagtext = ",".join("%s=%s" % (escape(k), escape(v)) for k, v in sorted(tags.items()))
    values = {
        "cpu_usage_total": (s.get("cpu") or {}).get("usage", {}).get("total"),
        "memory_usage": (s.get("memory") or {}).get("usage"),
        "rx_bytes": (s.get("network") or {}).get("rx_bytes"),
        "tx_bytes": (s.get("network") or {}).get("tx_bytes"),
    }
    at = epoch_ns(s["timestamp"])
    return [
        "%s,%s value=%di %d" % (measurement, tagtext, value, at)
        for measurement, value in values.items()
        if isinstance(value, int)
    ]


def host_lines(cadvisor, machine):
    """The lines of the host itself and of every Docker container that is this host's."""
    root = newest_stats(cadvisor, "/api/v1.3/containers/")
    lines = points("/", {}, root.get("stats"), machine)
    for info in newest_stats(cadvisor, "/api/v1.3/docker/").values():
        labels = (info.get("spec") or {}).get("labels") or {}
        if labels.get("platform.host", machine) != machine:
            continue
        name = (info.get("aliases") or [info.get("name", "")])[0]
        lines.extend(points(name, labels, info.get("stats"), machine))
    return lines


def influxdb_headers():
    """The Basic authorization header of INFLUXDB_USER, where one is set; else none."""
    user = os.environ.get("INFLUXDB_USER", "")
    if not user:
        return {}
    with open(os.environ["INFLUXDB_PASSWORD_FILE"], encoding="utf-8") as f:
        password = f.read().strip()
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


def write(influxdb, database, lines, headers):
    query = urllib.parse.urlencode({"db": database, "precision": "ns"})
    status, body = request(influxdb, "POST", "/write?" + query, body="\n".join(lines) + "\n", headers=headers)
    if status != 204:
        raise RuntimeError("InfluxDB write: HTTP %d %s" % (status, body[:200]))


def cmd_ship():
    cadvisor = os.environ["CADVISOR_URL"]
    influxdb = os.environ["INFLUXDB_URL"]
    database = os.environ["INFLUXDB_DB"]
    machine = os.environ["PLATFORM_HOST"]
    headers = influxdb_headers()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("shipping %s's containers from %s to %s/%s every %gs" % (machine, cadvisor, influxdb, database, INTERVAL))
    last_error = None
    while True:
        started = time.monotonic()
        try:
            lines = host_lines(cadvisor, machine)
            if lines:
                write(influxdb, database, lines, headers)
            with open(MARK, "w") as f:
                f.write("%d\n" % len(lines))
            if last_error is not None:
                log("shipping again: %d points" % len(lines))
                last_error = None
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            if str(e) != last_error:
                log("not shipped: %s" % e)
                last_error = str(e)
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))


def cmd_healthy():
    try:
        age = time.time() - os.stat(MARK).st_mtime
    except OSError:
        return 1
    return 0 if age < 3 * INTERVAL else 1


def main(argv):
    if len(argv) == 2 and argv[1] == "ship":
        cmd_ship()
        return 0
    if len(argv) == 2 and argv[1] == "healthy":
        return cmd_healthy()
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
