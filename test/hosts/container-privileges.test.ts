// Least privilege, as the containers are declared: every capability dropped but those a part
// names, no-new-privileges; a privileged part (the Mesos agent) as Docker runs it privileged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { toContainerArgs } from "../../components/hosts/container-args";
import { plannedContainers } from "../../components/plan";

/** `part: caps added / opts / user` for every container of a stack, one line per distinct value. */
function privileges(stack: string): string[] {
  const lines = plannedContainers(loadPlatformFromStackFile(process.cwd(), stack)).map(
    ({ container }) => {
      const a = toContainerArgs(container, undefined);
      const caps = a.capabilities as { drops: string[]; adds: string[] } | undefined;
      const part = container.labels?.["platform.component"];
      return a.privileged
        ? `${part}: privileged`
        : `${part}: drop ${caps?.drops.join(",")} add ${caps?.adds.join(",") || "-"} ${(a.securityOpts as string[]).join(",")} user ${a.user ?? "(image)"}`;
    },
  );
  return [...new Set(lines)].sort();
}

const OPT = "no-new-privileges:true";
const HANDOVER = "CAP_CHOWN,CAP_SETUID,CAP_SETGID";

test("prod: each part's capabilities, privileges and user", () => {
  assert.deepEqual(privileges("prod"), [
    `agent: drop ALL add - ${OPT} user 65534:65534`,
    `cadvisor-docker-api: drop ALL add - ${OPT} user root`,
    `cadvisor: drop ALL add - ${OPT},label=disable user (image)`,
    `chronos: drop ALL add - ${OPT} user (image)`,
    `consul-agent: drop ALL add ${HANDOVER} ${OPT} user (image)`,
    `consul-esm: drop ALL add - ${OPT} user 65534:65534`,
    `consul-server: drop ALL add ${HANDOVER} ${OPT} user (image)`,
    `filebeat-docker-api: drop ALL add - ${OPT} user root`,
    `filebeat: drop ALL add - ${OPT} user root`,
    `grafana: drop ALL add - ${OPT} user (image)`,
    `influxdb: drop ALL add - ${OPT} user (image)`,
    `lb: drop ALL add - ${OPT} user (image)`,
    `logstash: drop ALL add - ${OPT} user root`,
    `marathon: drop ALL add - ${OPT} user (image)`,
    "mesos-agent: privileged",
    `mesos-master: drop ALL add - ${OPT} user (image)`,
    `mesos-whitelist: drop ALL add - ${OPT} user 0:0`,
    `metrics-shipper: drop ALL add - ${OPT} user nobody`,
    `port-guard: drop ALL add CAP_NET_ADMIN,CAP_NET_RAW ${OPT} user 0:0`,
    `service: drop ALL add - ${OPT} user 65534:65534`,
    `task-registrar: drop ALL add - ${OPT} user 65534:65534`,
    `zookeeper: drop ALL add ${HANDOVER} ${OPT} user (image)`,
  ]);
});
