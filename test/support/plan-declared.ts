// What `render` writes for a stack against what the components register for it under mocks, in
// one normal form per container, so that a test can say they are the same: name, image, command,
// environment, labels, ports, volumes, network, health check and every uploaded file's content.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { secretPlaceholder } from "../../components/core/container-spec";
import { cpuSharesOf } from "../../components/hosts/container-args";
import { zookeeperDigestId } from "../../components/zookeeper/zookeeper-auth-plan";
import type { RenderedFile } from "../../components/render";
import { DeclaredResource, installMocks, plainInput, settle } from "./mocks";

/** A container as both sides describe it. */
export interface ContainerForm {
  host: string;
  name: string;
  image: string;
  hostname?: string;
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  env: [string, string][];
  labels: [string, string][];
  ports: string[];
  volumes: string[];
  network: string;
  extraHosts: string[];
  healthcheck: string[];
  privileged: boolean;
  user?: string;
  cpuShares?: number;
  memoryMb?: number;
  files: [string, string][];
}

const byKey = <T>(pairs: [string, T][]) =>
  [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const port = (p: { internal: number; external?: number; protocol?: string }) =>
  `${p.external ?? "-"}:${p.internal}/${p.protocol ?? "tcp"}`;
const volume = (v: {
  volume?: string;
  volumeName?: string;
  hostPath?: string;
  containerPath: string;
  readOnly?: boolean;
}) => `${v.volume ?? v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`;

/** Every container `render` wrote (hosts/<host>/<name>/container.json and files/...), in the normal form. */
export function renderedContainers(files: RenderedFile[]): ContainerForm[] {
  const content = new Map(files.map((f) => [f.path, f.content]));
  return files
    .filter((f) => /^hosts\/[^/]+\/[^/]+\/container\.json$/.test(f.path))
    .map((f) => {
      const [, host, dir] = f.path.split("/");
      const c = JSON.parse(f.content) as {
        name: string;
        image: string;
        hostname?: string;
        restart?: string;
        command?: string[];
        entrypoint?: string[];
        env?: Record<string, string>;
        labels?: Record<string, string>;
        ports?: { internal: number; external?: number; protocol?: string }[];
        volumes?: {
          volume?: string;
          hostPath?: string;
          containerPath: string;
          readOnly?: boolean;
        }[];
        hostNetwork?: boolean;
        extraHosts?: Record<string, string>;
        aliases?: string[];
        ipv4Address?: string;
        healthcheck?: { test: string[] };
        privileged?: boolean;
        user?: string;
        cpus?: number;
        memoryMb?: number;
        files: string[];
      };
      return {
        host,
        name: c.name,
        image: c.image,
        hostname: c.hostname,
        restart: c.restart,
        command: c.command,
        entrypoint: c.entrypoint,
        env: byKey(Object.entries(c.env ?? {})),
        labels: byKey(Object.entries(c.labels ?? {})),
        ports: (c.ports ?? []).map(port),
        volumes: (c.volumes ?? []).map(volume),
        network: c.hostNetwork
          ? "host"
          : `platform ${(c.aliases ?? []).join(",")} ${c.ipv4Address ?? ""}`,
        extraHosts: Object.entries(c.extraHosts ?? {}).map(([h, ip]) => `${h}:${ip}`),
        healthcheck: c.healthcheck?.test ?? ["NONE"],
        privileged: c.privileged ?? false,
        user: c.user,
        cpuShares: c.cpus === undefined ? undefined : cpuSharesOf(c.cpus),
        memoryMb: c.memoryMb,
        files: byKey(
          c.files.map((p) => [p, content.get(`hosts/${host}/${dir}/files${p}`) ?? "(not written)"]),
        ),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

type Inputs = {
  name: string;
  image: string;
  hostname?: string;
  restart?: string;
  command?: string[];
  entrypoints?: string[];
  envs?: string[];
  labels?: { label: string; value: string }[];
  ports?: { internal: number; external?: number; protocol?: string }[];
  volumes?: { volumeName?: string; hostPath?: string; containerPath: string; readOnly?: boolean }[];
  networkMode?: string;
  networksAdvanced?: { aliases?: string[]; ipv4Address?: string }[];
  hosts?: { host: string; ip: string }[];
  healthcheck?: { tests: string[] };
  privileged?: boolean;
  user?: string;
  cpuShares?: number;
  memory?: number;
  uploads?: { file: string; content: string }[];
};

/** The mocks hand a secret input over wrapped with Pulumi's secret signature; its value. */
function plain<T>(v: T | { value: T }): T {
  return plainInput(v) as T;
}

/**
 * Every container the components registered, in the normal form; its host is the one its labels
 * name. `unsecret` turns a secret (in a file or the environment) back into what render writes.
 */
export function declaredContainers(
  declared: DeclaredResource[],
  unsecret: (content: string) => string,
): ContainerForm[] {
  return declared
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => {
      const c = Object.fromEntries(
        Object.entries(r.inputs).map(([k, v]) => [k, plain(v)]),
      ) as Inputs;
      const labels = byKey((c.labels ?? []).map((l) => [l.label, l.value] as [string, string]));
      const n = c.networksAdvanced?.[0];
      return {
        host: labels.find(([k]) => k === "platform.host")?.[1] ?? "(no platform.host label)",
        name: c.name,
        image: c.image,
        hostname: c.hostname,
        restart: c.restart,
        command: c.command,
        entrypoint: c.entrypoints,
        env: byKey(
          (c.envs ?? [])
            .map(plain)
            .map(
              (e) =>
                [e.slice(0, e.indexOf("=")), unsecret(e.slice(e.indexOf("=") + 1))] as [
                  string,
                  string,
                ],
            ),
        ),
        labels,
        ports: (c.ports ?? []).map(port),
        volumes: (c.volumes ?? []).map(volume),
        network:
          c.networkMode === "host"
            ? "host"
            : `platform ${(n?.aliases ?? []).join(",")} ${n?.ipv4Address ?? ""}`,
        extraHosts: (c.hosts ?? []).map((h) => `${h.host}:${h.ip}`),
        healthcheck: c.healthcheck?.tests ?? ["NONE"],
        privileged: c.privileged ?? false,
        user: c.user,
        cpuShares: c.cpuShares,
        memoryMb: c.memory,
        files: byKey(
          (c.uploads ?? []).map(
            (u) => [u.file, unsecret(String(plain(u.content)))] as [string, string],
          ),
        ),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The Consul registrations, Marathon apps and Chronos jobs `render` wrote, by path. */
export function renderedSubmissions(files: RenderedFile[]): Record<string, unknown> {
  const of = (prefix: string) =>
    files
      .filter((f) => f.path.startsWith(prefix))
      .map((f) => [f.path, JSON.parse(f.content)] as [string, unknown]);
  return Object.fromEntries(
    [...of("consul/services/"), ...of("marathon/apps/"), ...of("chronos/jobs/")].sort(),
  );
}

/**
 * The same as the components declared them: each registration's inputs (less the container id its
 * meta carries, known only once the container exists) and what each submission sends to Marathon or Chronos.
 */
export function declaredSubmissions(
  declared: DeclaredResource[],
  component: string,
): Record<string, unknown> {
  const out: [string, unknown][] = [];
  for (const r of declared) {
    if (r.type === "consul:index/service:Service") {
      const { meta, ...rest } = r.inputs as { serviceId: string; meta: Record<string, string> };
      const { container_id: _id, ...kept } = meta;
      void _id;
      out.push([`consul/services/${rest.serviceId}.json`, { ...rest, meta: kept }]);
    }
    for (const [kind, dir] of [
      ["marathon-apps", "marathon/apps"],
      ["chronos-jobs", "chronos/jobs"],
    ]) {
      const prefix = `${component}-${kind}-`;
      if (r.type === "command:local:Command" && r.name.startsWith(prefix))
        out.push([
          `${dir}/${r.name.slice(prefix.length)}.json`,
          JSON.parse(String(r.inputs.stdin)),
        ]);
    }
  }
  return Object.fromEntries(out.sort());
}

/** A PEM block whose body matches `body` (a regular expression's source), as the mocks print it. */
const pem = (label: string, body: string) =>
  new RegExp(`-----BEGIN ${label}-----\\n${body}\\n-----END ${label}-----\\n`, "g");

const GOSSIP_KEY = "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=";
const GRAFANA_PASSWORD = "correct-horse";

/**
 * The test that `stack`'s containers, Consul registrations, Marathon apps and Chronos jobs, as the
 * components declare them under mocks (installed here: one stack per test file), are the ones
 * `render` writes, secrets aside (render writes their placeholders).
 */
export function testPlanDeclared(stack: string): void {
  const declared = installMocks(stack);
  test(`every container, registration and job of the ${stack} stack, as declared, is the one render writes`, async () => {
    const { loadPlatformFromStackFile } = await import("../../components/core/stack-config");
    const { Platform } = await import("../../components/platform");
    const { renderStack } = await import("../../components/render");
    const spec = loadPlatformFromStackFile(process.cwd(), stack);
    const secrets = {
      consulGossipKey: pulumi.secret(GOSSIP_KEY),
      grafanaAdminPassword: pulumi.secret(GRAFANA_PASSWORD),
      sshPrivateKey: pulumi.secret("test-key"),
    };
    const platform = new Platform("platform", { spec, secrets });
    await platform.declared;
    await settle(declared);
    // The Consul tokens are what the mocks make them: a command's stdout, a token's secret id.
    const unsecret = (s: string) =>
      s
        .replace(GOSSIP_KEY, secretPlaceholder("consulGossipKey"))
        .replace(GRAFANA_PASSWORD, secretPlaceholder("grafanaAdminPassword"))
        .replaceAll(
          "platform-consul-management-token-stdout",
          secretPlaceholder("consulManagementToken"),
        )
        .replaceAll(/platform-consul-acl-[\w-]+-accessor-secret/g, secretPlaceholder("consulToken"))
        .replaceAll(
          /platform-metrics-influxdb-password-\w+-stdout/g,
          secretPlaceholder("influxdbPassword"),
        )
        // The super user's digest, of the admin's password as the mocks make it.
        .replaceAll(
          zookeeperDigestId("platform-admin", "platform-zookeeper-password-platform-admin-stdout"),
          secretPlaceholder("zookeeperSuperDigest"),
        )
        .replaceAll(
          /platform-zookeeper-password-[\w-]+-stdout/g,
          secretPlaceholder("zookeeperPassword"),
        )
        .replaceAll(
          "platform-mesos-secret-platform-admin-stdout",
          secretPlaceholder("mesosAdminSecret"),
        )
        .replaceAll(
          "platform-mesos-secret-mesos-agent-stdout",
          secretPlaceholder("mesosAgentSecret"),
        )
        .replaceAll("platform-mesos-secret-marathon-stdout", secretPlaceholder("marathonSecret"))
        .replaceAll("platform-mesos-secret-chronos-stdout", secretPlaceholder("chronosSecret"))
        .replaceAll(
          "platform-dirac-database-password-stdout",
          secretPlaceholder("diracDatabasePassword"),
        )
        // Consul's TLS files: the mocks' certificates and keys (`mockKeyAndCertificate`).
        .replaceAll(
          pem("CERTIFICATE", "platform-consul-tls-ca-cert"),
          secretPlaceholder("consulCaCert"),
        )
        .replaceAll(
          pem("CERTIFICATE", "platform-consul-tls-cert-[\\w-]+-cert"),
          secretPlaceholder("consulTlsCert"),
        )
        .replaceAll(
          pem("PRIVATE KEY", "platform-consul-tls-cert-[\\w-]+-key"),
          secretPlaceholder("consulTlsKey"),
        )
        // The logs' TLS files, the same way.
        .replaceAll(
          pem("CERTIFICATE", "platform-logging-tls-ca-cert"),
          secretPlaceholder("loggingCaCert"),
        )
        .replaceAll(
          pem("CERTIFICATE", "platform-logging-tls-cert-[\\w-]+-cert"),
          secretPlaceholder("loggingTlsCert"),
        )
        .replaceAll(
          pem("PRIVATE KEY", "platform-logging-tls-cert-[\\w-]+-key"),
          secretPlaceholder("loggingTlsKey"),
        )
        // InfluxDB's TLS files and the metrics CA of its clients, the same way.
        .replaceAll(
          pem("CERTIFICATE", "platform-metrics-tls-ca-cert"),
          secretPlaceholder("metricsCaCert"),
        )
        .replaceAll(
          pem("CERTIFICATE", "platform-metrics-tls-cert-influxdb-cert"),
          secretPlaceholder("influxdbTlsCert"),
        )
        .replaceAll(
          pem("PRIVATE KEY", "platform-metrics-tls-cert-influxdb-key"),
          secretPlaceholder("influxdbTlsKey"),
        )
        .replaceAll(
          pem("CERTIFICATE", "platform-metrics-tls-cert-grafana-cert"),
          secretPlaceholder("grafanaTlsCert"),
        )
        .replaceAll(
          pem("PRIVATE KEY", "platform-metrics-tls-cert-grafana-key"),
          secretPlaceholder("grafanaTlsKey"),
        );
    const rendered = renderedContainers(renderStack(spec));
    const containers = declaredContainers(declared, unsecret);
    assert.deepEqual(
      containers.map((c) => c.name),
      rendered.map((c) => c.name),
    );
    // Which fields differ, container by container, before the whole comparison.
    const differing = (c: ContainerForm, r: ContainerForm) =>
      (Object.keys(r) as (keyof ContainerForm)[]).filter(
        (k) => JSON.stringify(c[k]) !== JSON.stringify(r[k]),
      );
    assert.deepEqual(
      containers.map((c, i) => [c.name, differing(c, rendered[i])]).filter(([, d]) => d.length > 0),
      [],
    );
    assert.deepEqual(containers, rendered);
    assert.deepEqual(
      declaredSubmissions(declared, "platform"),
      renderedSubmissions(renderStack(spec)),
    );
  });
}
