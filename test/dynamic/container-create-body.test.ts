// ContainerSpec → Docker Engine API `POST /containers/create` body, exact JSON.
import assert from "node:assert/strict";
import { test } from "node:test";
import { containerBinds, containerCreateBody, healthyTimeoutSeconds } from "../../components/dynamic/container-create-body";
import type { ContainerSpec } from "../../components/core/container-spec";

const full: ContainerSpec = {
  name: "lhcb-local-svc",
  image: "lhcb-platform/base:bookworm",
  command: ["serve", "--port", "8080"],
  entrypoint: ["/usr/local/bin/entry"],
  env: { A: "1", B: "x=y" },
  files: [{ path: "/etc/svc.conf", content: "x" }],
  ports: [{ internal: 8080, external: 18080 }, { internal: 9000, protocol: "udp" }, { internal: 8081, external: 18081, protocol: "tcp" }],
  volumes: [
    { volume: "lhcb-local-data", containerPath: "/data" },
    { hostPath: "/var/log", containerPath: "/host/log", readOnly: true },
  ],
  healthcheck: { test: ["CMD", "true"], intervalSeconds: 5, timeoutSeconds: 2.5, retries: 3, startPeriodSeconds: 10 },
  labels: { "platform.stack": "local", "platform.component": "svc" },
  restart: "unless-stopped",
  cpus: 1.5,
  memoryMb: 256,
  hostname: "svc-1",
  aliases: ["svc", "svc.local"],
  privileged: true,
  user: "1000:1000",
  stopGraceSeconds: 30,
  waitHealthy: true,
};

test("full spec on a user-defined network", () => {
  assert.deepEqual(JSON.parse(JSON.stringify(containerCreateBody(full, "lhcb-local-net"))), {
    Image: "lhcb-platform/base:bookworm",
    Cmd: ["serve", "--port", "8080"],
    Entrypoint: ["/usr/local/bin/entry"],
    Env: ["A=1", "B=x=y"],
    Labels: { "platform.stack": "local", "platform.component": "svc" },
    Hostname: "svc-1",
    User: "1000:1000",
    StopTimeout: 30,
    ExposedPorts: { "8080/tcp": {}, "9000/udp": {}, "8081/tcp": {} },
    Healthcheck: { Test: ["CMD", "true"], Interval: 5_000_000_000, Timeout: 2_500_000_000, StartPeriod: 10_000_000_000, StartInterval: 1_000_000_000, Retries: 3 },
    HostConfig: {
      Binds: ["lhcb-local-data:/data", "/var/log:/host/log:ro"],
      PortBindings: { "8080/tcp": [{ HostIp: "", HostPort: "18080" }], "8081/tcp": [{ HostIp: "", HostPort: "18081" }] },
      RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
      Privileged: true,
      NanoCpus: 1_500_000_000,
      Memory: 268_435_456,
      NetworkMode: "lhcb-local-net",
    },
    NetworkingConfig: { EndpointsConfig: { "lhcb-local-net": { Aliases: ["svc", "svc.local"] } } },
  });
});

test("host network: NetworkMode host, no port bindings, no endpoints config", () => {
  const spec: ContainerSpec = { name: "c", image: "i", restart: "always", hostNetwork: true, ports: [{ internal: 80, external: 80 }], aliases: ["ignored"] };
  assert.deepEqual(JSON.parse(JSON.stringify(containerCreateBody(spec, "net"))), {
    Image: "i",
    Env: [],
    Labels: {},
    StopTimeout: 10,
    ExposedPorts: { "80/tcp": {} },
    HostConfig: { Binds: [], PortBindings: {}, RestartPolicy: { Name: "always", MaximumRetryCount: 0 }, Privileged: false, NetworkMode: "host" },
  });
});

test("minimal spec without a network stays on the default bridge", () => {
  for (const restart of ["no", "on-failure"] as const) {
    assert.deepEqual(JSON.parse(JSON.stringify(containerCreateBody({ name: "c", image: "i", restart })))
      , { Image: "i", Env: [], Labels: {}, StopTimeout: 10, HostConfig: { Binds: [], PortBindings: {}, RestartPolicy: { Name: restart, MaximumRetryCount: 0 }, Privileged: false } });
  }
});

test("sub-second interval: StartInterval follows it; wait timeout as the Docker provider computes it", () => {
  const spec: ContainerSpec = { name: "c", image: "i", restart: "no", healthcheck: { test: ["CMD-SHELL", "true"], intervalSeconds: 0.5, timeoutSeconds: 1, retries: 100, startPeriodSeconds: 0 } };
  assert.deepEqual((containerCreateBody(spec) as { Healthcheck: unknown }).Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 500_000_000, Timeout: 1_000_000_000, StartPeriod: 0, StartInterval: 500_000_000, Retries: 100 });
  assert.equal(healthyTimeoutSeconds(spec), 60);
  assert.equal(healthyTimeoutSeconds(full), 60);
  assert.equal(healthyTimeoutSeconds({ ...full, healthcheck: { ...full.healthcheck!, intervalSeconds: 30, retries: 5 } }), 220);
});

test("a volume needs a name or a host path", () => {
  assert.throws(() => containerBinds({ name: "c", image: "i", restart: "no", volumes: [{ containerPath: "/x" }] }), /neither a volume name nor a host path/);
});
