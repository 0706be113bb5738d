// The Docker API proxies as planned: their HAProxy configuration, exactly, and how each part and
// its proxy share the proxy's socket and nothing else of the Engine.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  dockerApiPathPattern,
  renderDockerApiProxyConfig,
} from "../../components/hosts/docker-api-proxy";
import { plannedContainers } from "../../components/plan";
import { cadvisorHosts } from "../../components/metrics/cadvisor";

test("the proxy's configuration: every call logged, GET and HEAD of the part's paths passed, the rest refused", () => {
  assert.equal(
    renderDockerApiProxyConfig("filebeat"),
    `# Docker API proxy of filebeat; generated, do not edit
global
  maxconn 64
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 5s
  timeout http-request 10s
  timeout client 24h
  timeout server 24h
frontend docker-api
  bind unix@/run/docker-api/docker.sock mode 600
  acl read_only method GET HEAD
  acl allowed path_reg ^(/v[0-9]+\\.[0-9]+)?/(_ping|version|info|containers/json|containers/[A-Za-z0-9_.-]+/json|events)$
  http-request deny deny_status 403 unless read_only allowed
  default_backend engine
backend engine
  server engine /var/run/docker.sock
`,
  );
});

test("the path patterns: a part's calls with or without the API version, nothing around them", () => {
  const cadvisor = new RegExp(dockerApiPathPattern("cadvisor"));
  for (const path of ["/_ping", "/v1.41/info", "/version", "/v1.24/containers/abc_1.x-y/json"])
    assert.ok(cadvisor.test(path), path);
  for (const path of [
    "/v1.41/containers/abc/json/x",
    "/v1.41/containers/a/b/json",
    "/v1.41/events",
    "/x/v1.41/info",
    "/v1/info",
    "/containers/abc/archive",
  ])
    assert.ok(!cadvisor.test(path), path);
});

for (const stack of ["local", "prod"]) {
  test(`${stack}: only the proxies mount the Engine's socket; each part mounts its own proxy's folder read-only`, () => {
    const spec = loadPlatformFromStackFile(process.cwd(), stack);
    const containers = plannedContainers({
      ...spec,
      features: { ...spec.features, logging: true, metrics: true },
    });
    const mountsSocket = containers.filter((p) =>
      (p.container.volumes ?? []).some(
        (v) => v.hostPath === "/var/run/docker.sock" || v.hostPath === "/var/run",
      ),
    );
    assert.deepEqual(
      [...new Set(mountsSocket.map((p) => p.container.labels?.["platform.component"]))].sort(),
      [
        "cadvisor-docker-api",
        "filebeat-docker-api",
        ...(spec.features.mesos ? ["mesos-agent"] : []),
      ],
    );
    // cAdvisor runs once per Docker Engine (cadvisorHosts: the first slave on local), Filebeat on
    // every slave.
    const runsOn = (client: string) => (client === "cadvisor" ? cadvisorHosts(spec) : spec.slaves);
    assert.deepEqual(
      cadvisorHosts(spec).map((h) => h.id),
      stack === "local" ? ["slave-1"] : spec.slaves.map((h) => h.id),
    );
    for (const client of ["cadvisor", "filebeat"]) {
      assert.deepEqual(
        containers
          .filter((p) => p.container.labels?.["platform.component"] === `${client}-docker-api`)
          .map((p) => p.hostId),
        runsOn(client).map((h) => h.id),
      );
      for (const slave of runsOn(client)) {
        const on = (component: string) =>
          containers.find(
            (p) =>
              p.hostId === slave.id && p.container.labels?.["platform.component"] === component,
          )!.container;
        const part = on(client);
        const proxy = on(`${client}-docker-api`);
        const folder = `/run/lhcb-platform/${spec.stack}-${client}-docker-api-${slave.id}`;
        assert.deepEqual(
          part.volumes!.filter((v) => v.containerPath === "/run/docker-api"),
          [{ hostPath: folder, containerPath: "/run/docker-api", readOnly: true }],
        );
        assert.deepEqual(proxy.volumes, [
          { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
          { hostPath: folder, containerPath: "/run/docker-api" },
        ]);
        assert.equal(proxy.user, "root");
        assert.deepEqual(proxy.capabilities, []);
        assert.equal(proxy.image, spec.images.loadBalancer);
      }
    }
  });
}
