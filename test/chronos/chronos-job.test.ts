// Chronos jobs and framework containers: schedules for a fixed `from`, full job JSON.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chronosDeleteCommand, chronosPostCommand } from "../../components/chronos/chronos-api";
import {
  chronosArgs,
  chronosContainer,
  chronosEnv,
  chronosUrl,
} from "../../components/chronos/chronos-containers";
import { chronosJob, chronosJobJson } from "../../components/chronos/chronos-job";
import { PlacedAgent } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
/** A Friday, mid-minute. */
const FROM = new Date("2024-03-01T10:07:13Z");
const agent = (key: string): PlacedAgent => {
  const a = cert.agents.find((x) => x.key === key);
  assert.ok(a, key);
  return a;
};
const withSchedule = (schedule: string): PlacedAgent => ({
  ...agent("transformation-inputdataagent"),
  schedule,
});

const schedules: [string, string][] = [
  ["* * * * *", "R/2024-03-01T10:08:00Z/PT1M"],
  ["*/5 * * * *", "R/2024-03-01T10:10:00Z/PT5M"],
  ["*/15 * * * *", "R/2024-03-01T10:15:00Z/PT15M"],
  ["0 * * * *", "R/2024-03-01T11:00:00Z/PT1H"],
  ["30 2 * * *", "R/2024-03-02T02:30:00Z/P1D"],
  ["0 */6 * * 1-5", "R/2024-03-01T12:00:00Z/PT6H"],
  ["0 4 * * 0", "R/2024-03-03T04:00:00Z/P7D"],
  ["*/30 * * * * *", "R/2024-03-01T10:07:30Z/PT30S"],
];

for (const [cron, expected] of schedules) {
  test(`schedule "${cron}" from ${FROM.toISOString()} → ${expected}`, () => {
    assert.equal(chronosJob(cert, withSchedule(cron), { from: FROM }).schedule, expected);
  });
}

test("a job, exactly: never concurrent, no retries, the agent's command without a shell", () => {
  assert.deepEqual(
    chronosJob(cert, agent("workloadmanagement-jobcleaningagent"), {
      from: FROM,
      owner: "lhcb-ops@cern.ch",
    }),
    {
      name: "cert-workloadmanagement-jobcleaningagent",
      description: "WorkloadManagement/JobCleaningAgent",
      command: "agent",
      arguments: ["WorkloadManagement/JobCleaningAgent", "--once"],
      shell: false,
      schedule: "R/2024-03-02T02:30:00Z/P1D",
      scheduleTimeZone: "UTC",
      owner: "lhcb-ops@cern.ch",
      container: {
        type: "DOCKER",
        image: "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0",
        network: "BRIDGE",
        forcePullImage: false,
        volumes: [],
        parameters: [
          { key: "label", value: "platform.stack=cert" },
          { key: "label", value: "platform.service=workloadmanagement-jobcleaningagent" },
        ],
      },
      cpus: 0.25,
      mem: 1024,
      concurrent: false,
      retries: 0,
      disabled: false,
      constraints: [],
      environmentVariables: [
        { name: "AGENT_NAME", value: "WorkloadManagement/JobCleaningAgent" },
        { name: "AGENT_DURATION", value: "600" },
        { name: "PLATFORM_STACK", value: "cert" },
      ],
    },
  );
});

test("constraints become EQUALS on the agent attributes, sorted; catalog env follows", () => {
  const a: PlacedAgent = {
    ...agent("bookkeeping-bookkeepingwatchagent"),
    constraints: { network: "public", disk: "ssd" },
    env: { DIRAC_X: "1" },
  };
  const job = chronosJob(cert, a, { from: FROM });
  assert.deepEqual(job.constraints, [
    ["disk", "EQUALS", "ssd"],
    ["network", "EQUALS", "public"],
  ]);
  assert.equal(job.owner, "");
  assert.deepEqual(job.environmentVariables.at(-1), { name: "DIRAC_X", value: "1" });
  assert.equal(chronosJobJson(cert, a, { from: FROM }), JSON.stringify(job, null, 2) + "\n");
});

test("a pulumi-mode agent has no Chronos job", () => {
  assert.throws(
    () => chronosJob(cert, agent("framework-caupdateagent"), { from: FROM }),
    /agent Framework\/CAUpdateAgent runs in pulumi mode, not marathon/,
  );
});

test("submit and delete commands", () => {
  assert.equal(
    chronosPostCommand("http://lbcertmaster01.cern.ch:4400/"),
    "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X POST -H 'Content-Type: application/json' --data-binary @- 'http://lbcertmaster01.cern.ch:4400/v1/scheduler/iso8601'",
  );
  assert.equal(
    chronosDeleteCommand(
      "http://lbcertmaster01.cern.ch:4400",
      "cert-transformation-transformationagent",
    ),
    "curl -fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X DELETE 'http://lbcertmaster01.cern.ch:4400/v1/scheduler/job/cert-transformation-transformationagent'",
  );
});

test("Chronos on a master: options for the ZooKeeper hosts, its address, how late a run may start and its Mesos principal; the Mesos zk url, ZooKeeper's and its API's credentials from files; port 4400 as PORT0", () => {
  const zk = "lbcertmaster01.cern.ch:2181,lbcertmaster02.cern.ch:2181,lbcertmaster03.cern.ch:2181";
  assert.deepEqual(chronosArgs(cert, cert.masters[0]), [
    "--zk_hosts",
    zk,
    "--hostname",
    "lbcertmaster01.cern.ch",
    "--mesos_framework_name",
    "cert-chronos",
    "--task_epsilon",
    "30",
    "--mesos_authentication_principal",
    "chronos",
    "--mesos_authentication_secret_file",
    "/etc/platform/mesos/framework-secret",
  ]);
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  assert.deepEqual(chronosArgs(local, local.masters[0]).slice(0, 2), [
    "--master",
    "zk://local-zookeeper-master-1:2181,local-zookeeper-master-2:2181,local-zookeeper-master-3:2181/mesos",
  ]);
  assert.deepEqual(chronosEnv(), { PORT0: "4400", PORT1: "4401" });
  const c = chronosContainer(cert, cert.masters[1]);
  assert.deepEqual(c.command, chronosArgs(cert, cert.masters[1]));
  assert.deepEqual(c.entrypoint, [
    "/bin/sh",
    "-c",
    [
      "set -e",
      // The address it advertises to the masters: its host's, resolved where it starts.
      'advertised=$(getent ahostsv4 lbcertmaster02.cern.ch | while read -r ip _; do case $ip in 127.*) ;; *) echo "$ip"; break ;; esac; done)',
      `[ -n "$advertised" ] || { echo 'no IPv4 address of lbcertmaster02.cern.ch but a loopback one, to advertise to the other hosts (LIBPROCESS_ADVERTISE_IP): give lbcertmaster02.cern.ch its address in DNS or in the host'\\''s /etc/hosts' >&2; exit 1; }`,
      "LIBPROCESS_ADVERTISE_IP=$advertised",
      "export LIBPROCESS_ADVERTISE_IP",
      "MESOSPHERE_HTTP_CREDENTIALS=$(cat /etc/platform/mesos/http-credentials)",
      "export MESOSPHERE_HTTP_CREDENTIALS",
      "option0=$(cat /etc/platform/zookeeper/mesos-url)",
      "option1=$(cat /etc/platform/zookeeper/auth)",
      'exec /chronos/bin/start.sh "$@" --master "$option0" --zk_auth "$option1"',
    ].join("\n"),
    "/chronos/bin/start.sh",
  ]);
  assert.deepEqual(c.files, [
    {
      path: "/etc/platform/zookeeper/mesos-url",
      content: `zk://chronos:@@secret:zookeeperPassword@@@${zk}/mesos`,
    },
    { path: "/etc/platform/zookeeper/auth", content: "chronos:@@secret:zookeeperPassword@@" },
    { path: "/etc/platform/mesos/framework-secret", content: "@@secret:chronosSecret@@" },
    {
      path: "/etc/platform/mesos/http-credentials",
      content: "platform-admin:@@secret:mesosAdminSecret@@",
    },
  ]);
  assert.equal(c.name, "cert-chronos-cert-master-2");
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/chronos:v3.0.2");
  assert.equal(c.hostNetwork, true);
  // Its API asks for credentials, /v1/scheduler/jobs too: the check reads them from the file.
  assert.deepEqual(c.healthcheck?.test, [
    "CMD",
    "sh",
    "-c",
    `printf 'user = "%s"\\n' "$(cat /etc/platform/mesos/http-credentials)" | curl -fsS -o /dev/null -K - http://127.0.0.1:4400/v1/scheduler/jobs`,
  ]);
  assert.deepEqual(chronosContainer(local, local.masters[0]).healthcheck?.test, [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    "http://127.0.0.1:4400/v1/scheduler/jobs",
  ]);
  assert.equal(chronosUrl(cert, cert.masters[0]), "http://lbcertmaster01.cern.ch:4400");
});
