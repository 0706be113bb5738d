// Marathon app definitions and framework containers: full JSON per check kind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PlacedService } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { marathonDeleteCommand, marathonPutCommand } from "../../components/marathon/marathon-api";
import {
  marathonApp,
  marathonAppJson,
  rollingUpgrade,
} from "../../components/marathon/marathon-app";
import {
  marathonContainer,
  marathonEnv,
  marathonUrl,
} from "../../components/marathon/marathon-containers";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
const IMAGE = "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0";
const service = (key: string): PlacedService => {
  const s = cert.services.find((x) => x.key === key);
  assert.ok(s, key);
  return s;
};
const common = {
  killSelection: "YOUNGEST_FIRST",
  taskKillGracePeriodSeconds: 10,
  backoffSeconds: 1,
  backoffFactor: 1.15,
  maxLaunchDelaySeconds: 300,
};

test("http check → MESOS_HTTP on the path, with the catalog timing", () => {
  assert.deepEqual(marathonApp(cert, service("framework-monitoring")), {
    id: "/cert/framework-monitoring",
    instances: 2,
    cpus: 0.25,
    mem: 256,
    args: ["serve", "Framework/Monitoring"],
    env: {
      SERVICE_NAME: "Framework/Monitoring",
      SERVICE_PORT: "9142",
      SERVICE_PROTOCOL: "http",
      PLATFORM_STACK: "cert",
    },
    container: {
      type: "DOCKER",
      docker: {
        image: IMAGE,
        forcePullImage: false,
        parameters: [
          { key: "label", value: "platform.stack=cert" },
          { key: "label", value: "platform.service=framework-monitoring" },
        ],
      },
      portMappings: [
        { containerPort: 9142, hostPort: 0, protocol: "tcp", name: "framework-monitoring" },
      ],
    },
    networks: [{ mode: "container/bridge" }],
    constraints: [["hostname", "UNIQUE"]],
    healthChecks: [
      {
        protocol: "MESOS_HTTP",
        path: "/ping",
        portIndex: 0,
        gracePeriodSeconds: 10,
        intervalSeconds: 5,
        timeoutSeconds: 2,
        maxConsecutiveFailures: 3,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.75 },
    ...common,
    labels: {
      "platform.stack": "cert",
      "platform.service": "framework-monitoring",
    },
  });
});

test("tcp check → MESOS_TCP", () => {
  assert.deepEqual(marathonApp(cert, service("datamanagement-storageelement")), {
    id: "/cert/datamanagement-storageelement",
    instances: 2,
    cpus: 0.25,
    mem: 1024,
    args: ["serve", "DataManagement/StorageElement"],
    env: {
      SERVICE_NAME: "DataManagement/StorageElement",
      SERVICE_PORT: "9148",
      SERVICE_PROTOCOL: "tcp",
      PLATFORM_STACK: "cert",
    },
    container: {
      type: "DOCKER",
      docker: {
        image: IMAGE,
        forcePullImage: false,
        parameters: [
          { key: "label", value: "platform.stack=cert" },
          { key: "label", value: "platform.service=datamanagement-storageelement" },
        ],
      },
      portMappings: [
        {
          containerPort: 9148,
          hostPort: 0,
          protocol: "tcp",
          name: "datamanagement-storageelement",
        },
      ],
    },
    networks: [{ mode: "container/bridge" }],
    constraints: [["hostname", "UNIQUE"]],
    healthChecks: [
      {
        protocol: "MESOS_TCP",
        portIndex: 0,
        gracePeriodSeconds: 6,
        intervalSeconds: 3,
        timeoutSeconds: 2,
        maxConsecutiveFailures: 3,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.75 },
    ...common,
    labels: {
      "platform.stack": "cert",
      "platform.service": "datamanagement-storageelement",
    },
  });
});

test("command check → MESOS_HTTP on the HTTP bridge, its own port; PROXY protocol, catalog env and constraints carried over", () => {
  assert.deepEqual(marathonApp(cert, service("datamanagement-filecatalog")), {
    id: "/cert/datamanagement-filecatalog",
    instances: 4,
    cpus: 1,
    mem: 2048,
    args: ["serve", "DataManagement/FileCatalog"],
    env: {
      SERVICE_NAME: "DataManagement/FileCatalog",
      SERVICE_PORT: "9197",
      SERVICE_PROTOCOL: "tcp",
      PLATFORM_STACK: "cert",
      SERVICE_PROXY_PROTOCOL: "1",
      SERVICE_CHECK_PORT: "19197",
      DIRAC_DB_POOL: "20",
    },
    container: {
      type: "DOCKER",
      docker: {
        image: IMAGE,
        forcePullImage: false,
        parameters: [
          { key: "label", value: "platform.stack=cert" },
          { key: "label", value: "platform.service=datamanagement-filecatalog" },
        ],
      },
      portMappings: [
        { containerPort: 9197, hostPort: 0, protocol: "tcp", name: "datamanagement-filecatalog" },
        {
          containerPort: 19197,
          hostPort: 0,
          protocol: "tcp",
          name: "datamanagement-filecatalog-check",
        },
      ],
    },
    networks: [{ mode: "container/bridge" }],
    constraints: [
      ["hostname", "UNIQUE"],
      ["disk", "CLUSTER", "ssd"],
    ],
    healthChecks: [
      {
        protocol: "MESOS_HTTP",
        path: "/ping",
        portIndex: 1,
        gracePeriodSeconds: 5,
        intervalSeconds: 2,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 2,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.375 },
    ...common,
    labels: {
      "platform.stack": "cert",
      "platform.service": "datamanagement-filecatalog",
    },
  });
});

test("several constraints are sorted by label; another image gets no arguments", () => {
  const s: PlacedService = {
    ...service("framework-proxymanager"),
    constraints: { zone: "b", network: "public" },
    image: "registry.example.org/other:2",
  };
  const app = marathonApp(cert, s);
  assert.deepEqual(app.constraints, [
    ["hostname", "UNIQUE"],
    ["network", "CLUSTER", "public"],
    ["zone", "CLUSTER", "b"],
  ]);
  assert.equal(app.args, undefined);
  assert.equal(app.container.docker.image, "registry.example.org/other:2");
  assert.equal(JSON.parse(marathonAppJson(cert, s)).args, undefined);
});

test("a pulumi-mode service has no Marathon app", () => {
  const s: PlacedService = { ...service("framework-monitoring"), mode: "pulumi" };
  assert.throws(
    () => marathonApp(cert, s),
    /service Framework\/Monitoring runs in pulumi mode, not marathon/,
  );
});

test("rolling upgrade: Marathon's own arithmetic gives exactly one extra instance, none stopped early", () => {
  for (let n = 1; n <= 100; n++) {
    const u = rollingUpgrade(n);
    assert.equal(u.minimumHealthCapacity, 1);
    assert.ok(u.maximumOverCapacity > 0 && u.maximumOverCapacity <= 1, `n=${n}`);
    // TaskReplaceActor: minHealthy = ceil(n × minimumHealthCapacity), maxCapacity = trunc(n × (1 + maximumOverCapacity)).
    assert.equal(Math.ceil(n * u.minimumHealthCapacity), n, `n=${n}`);
    assert.equal(Math.trunc(n * (1 + u.maximumOverCapacity)), n + 1, `n=${n}`);
  }
  assert.deepEqual(
    [1, 2, 3, 4, 5, 7].map((n) => rollingUpgrade(n).maximumOverCapacity),
    [1, 0.75, 0.5, 0.375, 0.3, 0.215],
  );
});

test("the app JSON is the definition, pretty-printed with a final newline", () => {
  const s = service("framework-monitoring");
  assert.equal(marathonAppJson(cert, s), JSON.stringify(marathonApp(cert, s), null, 2) + "\n");
});

test("submit and delete commands", () => {
  assert.equal(
    marathonPutCommand("http://lbcertmaster01.cern.ch:8080/", "/cert/framework-monitoring"),
    "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X PUT -H 'Content-Type: application/json' --data-binary @- 'http://lbcertmaster01.cern.ch:8080/v2/apps/cert/framework-monitoring?force=true'",
  );
  assert.equal(
    marathonDeleteCommand("http://lbcertmaster01.cern.ch:8080", "/cert/framework-monitoring"),
    "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X DELETE 'http://lbcertmaster01.cern.ch:8080/v2/apps/cert/framework-monitoring'",
  );
});

test("Marathon on a master: zk urls for Mesos and for its own state, its Mesos principal, ZooKeeper's and its API's credentials from files read at start, /ping check with them", () => {
  const zk = "lbcertmaster01.cern.ch:2181,lbcertmaster02.cern.ch:2181,lbcertmaster03.cern.ch:2181";
  assert.deepEqual(marathonEnv(cert, cert.masters[2]), {
    MARATHON_HTTP_PORT: "8080",
    MARATHON_HOSTNAME: "lbcertmaster03.cern.ch",
    MARATHON_FRAMEWORK_NAME: "cert-marathon",
    LIBPROCESS_PORT: "8081",
    // TASK_KILLING first, so the task registrar deregisters a task as its stop begins (Marathon
    // 1.11's Features.TASK_KILLING; the Docker executor sends it to a framework that asked).
    MARATHON_ENABLE_FEATURES: "task_killing",
    MARATHON_MESOS_AUTHENTICATION: "",
    MARATHON_MESOS_AUTHENTICATION_PRINCIPAL: "marathon",
    MARATHON_MESOS_AUTHENTICATION_SECRET_FILE: "/etc/platform/mesos/framework-secret",
  });
  const c = marathonContainer(cert, cert.masters[0]);
  assert.deepEqual(c.entrypoint, [
    "/bin/sh",
    "-c",
    [
      "set -e",
      // The address it advertises to the masters: its host's, resolved where it starts.
      'advertised=$(getent ahostsv4 lbcertmaster01.cern.ch | while read -r ip _; do case $ip in 127.*) ;; *) echo "$ip"; break ;; esac; done)',
      `[ -n "$advertised" ] || { echo 'no IPv4 address of lbcertmaster01.cern.ch but a loopback one, to advertise to the other hosts (LIBPROCESS_ADVERTISE_IP): give lbcertmaster01.cern.ch its address in DNS or in the host'\\''s /etc/hosts' >&2; exit 1; }`,
      "LIBPROCESS_ADVERTISE_IP=$advertised",
      "export LIBPROCESS_ADVERTISE_IP",
      "MARATHON_MASTER=$(cat /etc/platform/zookeeper/mesos-url)",
      "export MARATHON_MASTER",
      "MARATHON_ZK=$(cat /etc/platform/zookeeper/marathon-url)",
      "export MARATHON_ZK",
      "MESOSPHERE_HTTP_CREDENTIALS=$(cat /etc/platform/mesos/http-credentials)",
      "export MESOSPHERE_HTTP_CREDENTIALS",
      'exec /marathon/bin/marathon "$@"',
    ].join("\n"),
    "/marathon/bin/marathon",
  ]);
  assert.deepEqual(c.files, [
    {
      path: "/etc/platform/zookeeper/mesos-url",
      content: `zk://marathon:@@secret:zookeeperPassword@@@${zk}/mesos`,
    },
    {
      path: "/etc/platform/zookeeper/marathon-url",
      content: `zk://marathon:@@secret:zookeeperPassword@@@${zk}/marathon`,
    },
    { path: "/etc/platform/mesos/framework-secret", content: "@@secret:marathonSecret@@" },
    {
      path: "/etc/platform/mesos/http-credentials",
      content: "platform-admin:@@secret:mesosAdminSecret@@",
    },
  ]);
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  const onLocal = marathonContainer(local, local.masters[0]);
  assert.equal(onLocal.entrypoint, undefined);
  assert.equal(
    onLocal.env?.MARATHON_ZK,
    "zk://local-zookeeper-master-1:2181,local-zookeeper-master-2:2181,local-zookeeper-master-3:2181/marathon",
  );
  assert.equal(c.name, "cert-marathon-cert-master-1");
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/marathon:v1.11.24");
  assert.equal(c.hostNetwork, true);
  // Its API asks for credentials, /ping too: the check reads them from the file.
  assert.deepEqual(onLocal.healthcheck?.test, [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    "http://127.0.0.1:8080/ping",
  ]);
  assert.deepEqual(c.healthcheck, {
    test: [
      "CMD",
      "sh",
      "-c",
      `printf 'user = "%s"\\n' "$(cat /etc/platform/mesos/http-credentials)" | curl -fsS -o /dev/null -K - http://127.0.0.1:8080/ping`,
    ],
    intervalSeconds: 300,
    timeoutSeconds: 3,
    retries: 6,
    startPeriodSeconds: 60,
  });
  assert.equal(marathonUrl(cert, cert.masters[0]), "http://lbcertmaster01.cern.ch:8080");
});
