#!/usr/bin/env python3
"""platform-registrar: registers the Marathon tasks its host's Mesos agent runs in Consul's catalog.

Usage:
  platform-registrar run       every REGISTRAR_INTERVAL seconds, reads the agent's tasks and
                               makes the catalog say the same (see below)
  platform-registrar once      one such pass; exit 0 when it succeeded, else 1 (and why)
  platform-registrar healthy   exit 0 if the last pass succeeded recently (3 intervals), else 1

What a pass does. It reads the agent's `/state` (the Mesos 1.x agent's JSON: frameworks ->
executors -> tasks). A task of this stack's catalog is one labelled `platform.stack` = the
stack and `platform.service` = one of the services of REGISTRAR_CONFIG. Such a task is
registered while it is TASK_RUNNING and its latest status says Marathon's health check passed
(`healthy`): under its own id, as an instance of the service, at the host's address and the
host port the agent mapped to the service's port (`container.docker.port_mappings`), its image
in the registration's meta (`image`: the release waits for every task on the new one), with the
service's check at that port (or at its HTTP bridge's) for consul-esm to run, passing, the same
check having just passed in Mesos. It is deregistered as soon as it is anything else (killing,
unhealthy, gone). Marathon asks for TASK_KILLING (its `task_killing` feature), which Mesos says
as it sends the task SIGTERM, so a replaced task leaves the catalog within a pass of its stop's
start rather than after its stop. What it does after SIGTERM is its image's business: a DIRAC
service keeps serving until no balancer has sent it anything for 1 s; the sample service stops
accepting at once, and the balancers try a refused connection again on another server.

Every registration is on one Consul node of its own, REGISTRAR_CONFIG's `node` (an external node
consul-esm runs the checks of), and nothing else writes there. When the agent or Consul does not
answer, nothing changes: the tasks run on while their agent restarts, and consul-esm still hides
a task that stops answering. A registrar that stops leaves the registrations as they are.

Environment:
  MESOS_AGENT_URL         e.g. http://127.0.0.1:5051
  MESOS_CREDENTIALS_FILE  `principal:secret` for the agent's HTTP basic authentication, where it
                          asks for one
  CONSUL_HTTP_ADDR        e.g. https://127.0.0.1:8501; the ACL token is read from the file
                          CONSUL_HTTP_TOKEN_FILE, else CONSUL_HTTP_TOKEN; an https:// address is
                          checked against the CA file CONSUL_CACERT
  REGISTRAR_CONFIG        the JSON file of what to register (default
                          /etc/platform/registrar/registrar.json): node, address, node_meta, stack,
                          services {key: {port, tags, meta, check}}
  REGISTRAR_INTERVAL=2    seconds between two passes
  REGISTRAR_MARK          file touched after each good pass (default /tmp/platform-registrar.synced)

Python 3 standard library only.
"""

import base64
import http.client
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from platform_agent import CONSUL_ERRORS, Consul, log

# What a call to the agent or to Consul may raise: the network's, HTTP's and the answers' errors.
ERRORS = CONSUL_ERRORS + (http.client.HTTPException,)

INTERVAL = float(os.environ.get("REGISTRAR_INTERVAL", "2"))
MARK = os.environ.get("REGISTRAR_MARK", "/tmp/platform-registrar.synced")
CONFIG = os.environ.get("REGISTRAR_CONFIG", "/etc/platform/registrar/registrar.json")
REGISTERED_BY = "platform-registrar"  # Meta.registered_by of every registration it makes


def read_config(path):
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    for field in ("node", "address", "node_meta", "stack", "services"):
        if field not in config:
            raise ValueError("%s: no %r" % (path, field))
    return config


class Agent:
    """The host's Mesos agent, read over its HTTP API."""

    def __init__(self, url, credentials_file=""):
        self.url = url.rstrip("/")
        self.authorization = None
        if credentials_file:
            with open(credentials_file, encoding="utf-8") as f:
                pair = f.read().strip()
            self.authorization = "Basic " + base64.b64encode(pair.encode()).decode()

    def state(self):
        req = urllib.request.Request(self.url + "/state")
        if self.authorization:
            req.add_header("Authorization", self.authorization)
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read().decode())


def agent_tasks(state):
    """Every task the agent's executors hold (the completed ones are elsewhere in the state)."""
    for framework in state.get("frameworks") or []:
        for executor in framework.get("executors") or []:
            yield from executor.get("tasks") or []


def task_labels(task):
    return {l.get("key"): l.get("value", "") for l in task.get("labels") or []}


def host_port(task, container_port):
    """The host port the agent mapped to `container_port` of the task's container, or None."""
    docker = (task.get("container") or {}).get("docker") or {}
    for mapping in docker.get("port_mappings") or []:
        if mapping.get("container_port") == container_port and mapping.get("host_port"):
            return mapping["host_port"]
    return None


def running_healthy(task):
    """TASK_RUNNING, and the latest status says the task's health check passed."""
    statuses = task.get("statuses") or []
    return task.get("state") == "TASK_RUNNING" and bool(statuses) and statuses[-1].get("healthy") is True


def check_definition(check, address, port):
    target = {"TCP": "%s:%d" % (address, port)} if check["kind"] == "tcp" else {
        "HTTP": "http://%s:%d%s" % (address, port, check["path"])}
    return dict(target, Interval=check["interval"], Timeout=check["timeout"],
                DeregisterCriticalServiceAfter=check["deregister_critical_after"])


def registration(config, task, service_key):
    """The catalog registration of a running task of `service_key`, or why it has none."""
    service = config["services"][service_key]
    port = host_port(task, service["port"])
    check = service["check"]
    check_port = port if check["port"] == service["port"] else host_port(task, check["port"])
    if port is None or check_port is None:
        missing = service["port"] if port is None else check["port"]
        return None, "task %s maps no host port to its port %d" % (task["id"], missing)
    address, node = config["address"], config["node"]
    image = ((task.get("container") or {}).get("docker") or {}).get("image", "")
    meta = dict(service["meta"], task_id=task["id"], registered_by=REGISTERED_BY, image=image)
    if check_port != port:  # the HTTP bridge's host port, which the balancers check
        meta["check_port"] = str(check_port)
    definition = check_definition(check, address, check_port)
    # Which check it has, so that a new interval or timeout registers it again (`same`).
    meta["check"] = "%s %s %s" % (definition.get("HTTP") or definition["TCP"], check["interval"], check["timeout"])
    return {
        "Node": node,
        "Address": address,
        "NodeMeta": config["node_meta"],
        "Service": {"ID": task["id"], "Service": service_key, "Tags": service["tags"],
                    "Address": address, "Port": port, "Meta": meta},
        "Checks": [{"Node": node, "CheckID": "%s:health" % task["id"], "Name": check["name"],
                    "Status": "passing", "ServiceID": task["id"],
                    "Definition": definition}],
    }, None


def wanted(config, state):
    """The registrations the agent's tasks call for, by task id, and the reasons some have none."""
    out, problems = {}, []
    for task in agent_tasks(state):
        labels = task_labels(task)
        key = labels.get("platform.service")
        if labels.get("platform.stack") != config["stack"] or key not in config["services"]:
            continue
        if not running_healthy(task):
            continue
        body, problem = registration(config, task, key)
        if body is None:
            problems.append(problem)
        else:
            out[task["id"]] = body
    return out, problems


def registered(consul, node):
    """What the registrar registered on its node, by service id. (`/v1/catalog/node-services`:
    Consul 1.16's `/v1/catalog/node/` hides a service from a token that may read it by name.)"""
    answer = consul.call("GET", "/v1/catalog/node-services/" + urllib.parse.quote(node)) or {}
    services = answer.get("Services") or []
    return {s["ID"]: s for s in services if (s.get("Meta") or {}).get("registered_by") == REGISTERED_BY}


def same(present, body):
    """Whether a registration already says what `body` would: then it is left alone, so the check
    consul-esm has set keeps its status. Its meta says which check it has (`check`)."""
    s = body["Service"]
    return (present.get("Service"), present.get("Port"), present.get("Address"), present.get("Tags") or [],
            present.get("Meta") or {}) == (s["Service"], s["Port"], s["Address"], s["Tags"], s["Meta"])


def why(e):
    """What a failed call says: the URL, the status and Consul's or Mesos' answer where it has one."""
    if isinstance(e, urllib.error.HTTPError):
        answer = e.read()[:200].decode(errors="replace").strip()
        return "%s answered HTTP %d %s" % (e.geturl(), e.code, answer)
    return str(e) or type(e).__name__


def sync(config, agent, consul):
    """One pass: the catalog made to say what the agent runs. Returns what changed, the problems,
    and whether every call succeeded. A failed registration or deregistration is tried again at
    the next pass and does not stop the others; an agent or a catalog that cannot be read stops
    the pass (raises)."""
    want, problems = wanted(config, agent.state())
    have = registered(consul, config["node"])
    changes, ok = [], True
    for sid in sorted(set(have) - set(want)):
        try:
            consul.call("PUT", "/v1/catalog/deregister", {"Node": config["node"], "ServiceID": sid})
            changes.append("deregistered %s (%s)" % (sid, have[sid].get("Service")))
        except ERRORS as e:
            problems.append("could not deregister %s: %s" % (sid, why(e)))
            ok = False
    for sid in sorted(want):
        if sid in have and same(have[sid], want[sid]):
            continue
        try:
            consul.call("PUT", "/v1/catalog/register", want[sid])
            s = want[sid]["Service"]
            changes.append("registered %s (%s) at %s:%d" % (sid, s["Service"], s["Address"], s["Port"]))
        except ERRORS as e:
            problems.append("could not register %s: %s" % (sid, why(e)))
            ok = False
    return changes, problems, ok


def mark_synced():
    with open(MARK, "w", encoding="utf-8") as f:
        f.write("%d\n" % time.time())


def pass_once(config, agent, consul, said):
    """A pass, its changes and problems logged (a problem once until it goes); True when it succeeded."""
    try:
        changes, problems, ok = sync(config, agent, consul)
        failed = not ok
    except ERRORS as e:
        problems, changes, failed = ["no pass: %s" % why(e)], [], True
    for line in changes:
        log(line)
    for problem in problems:
        if problem not in said:
            log(problem)
    said.clear()
    said.update(problems)
    if not failed:
        mark_synced()
    return not failed


def from_environment():
    config = read_config(CONFIG)
    agent = Agent(os.environ["MESOS_AGENT_URL"], os.environ.get("MESOS_CREDENTIALS_FILE", "").strip())
    consul = Consul(os.environ["CONSUL_HTTP_ADDR"])
    return config, agent, consul


def cmd_run():
    config, agent, consul = from_environment()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("registering %s's tasks of %d services on node %s every %gs" % (
        agent.url, len(config["services"]), config["node"], INTERVAL))
    said = set()
    while True:
        started = time.monotonic()
        pass_once(config, agent, consul, said)
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))


def cmd_healthy():
    try:
        age = time.time() - os.stat(MARK).st_mtime
    except OSError:
        return 1
    return 0 if age < 3 * INTERVAL + 5 else 1


def main(argv):
    if len(argv) == 2 and argv[1] == "run":
        cmd_run()
        return 0
    if len(argv) == 2 and argv[1] == "once":
        config, agent, consul = from_environment()
        return 0 if pass_once(config, agent, consul, set()) else 1
    if len(argv) == 2 and argv[1] == "healthy":
        return cmd_healthy()
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
