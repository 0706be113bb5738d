#!/usr/bin/env python3
"""platform-service: the sample image's service and agent (the platform_sample package).

Usage:
  platform-service serve [NAME]    run service NAME (HTTP or line-based TCP);
                                   default: SERVICE_NAME
  platform-service ping            health check of the local service (exit 0/1)
  platform-service agent NAME      run scheduled agent NAME
  platform-service agent NAME --once   one run now, then exit
  platform-service health fail|ok  toggle the local failing state (file flag)
  platform-service version         print PLATFORM_VERSION

Environment (serve / ping):
  SERVICE_PORT=8080            listen port
  SERVICE_PROTOCOL=http|tcp    protocol (default http)
  SERVICE_BIND=0.0.0.0         listen address (the service's and the bridge's)
  SERVICE_PROXY_PROTOCOL=1     require a PROXY v1/v2 header on each connection
  SERVICE_FAIL_FILE            failing-state flag file
                               (default /tmp/platform-service.failing)
  SERVICE_ACCESS_LOG=0         disable per-request log lines
  SERVICE_CHECK_PORT           also serve the HTTP health bridge there (GET: 200
                               when the service's own ping succeeds, else 503)
Environment (agent):
  AGENT_DURATION=5             seconds each run works; when and where it runs
                               (AGENT_RUN, AGENT_SCHEDULE, the Consul lock) is
                               platform_agent's, shared with the DIRAC image
Common: PLATFORM_VERSION (baked into the image).
"""

import os
import sys

import platform_agent
from platform_agent import out
from platform_sample import bridge, health, server


def cmd_ping():
    s = server.settings_from_env("ping")
    ok, text = bridge.ping_self(s.port, s.proto, s.proxy_required)
    out(text)
    return 0 if ok else 1


def cmd_agent(name, once):
    """A sample agent: each run works AGENT_DURATION seconds (default 5)."""
    work = platform_agent.sleeping(float(os.environ.get("AGENT_DURATION", "5")))
    platform_agent.run_agent(name, work, once)
    return 0


def main(argv):
    args = argv[1:]
    if args[:1] == ["serve"] and len(args) <= 2:
        name = args[1] if len(args) == 2 else os.environ.get("SERVICE_NAME")
        if name:
            server.serve_forever(server.settings_from_env(name))
    elif args == ["ping"]:
        return cmd_ping()
    elif args[:1] == ["agent"] and (len(args) == 2 or args[2:] == ["--once"]):
        return cmd_agent(args[1], once=len(args) == 3)
    elif len(args) == 2 and args[0] == "health" and args[1] in ("fail", "ok"):
        health.set_flag_file(args[1] == "fail")
        out(args[1])
        return 0
    elif args == ["version"]:
        out(os.environ.get("PLATFORM_VERSION", "0.0.0"))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
