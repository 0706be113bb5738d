import { chronosJobsPlan, marathonAppsPlan, plannedContainers, servicesPlan } from "./plan";
import { ContainerSpec } from "./core/container-spec";
import { PlatformSpec } from "./core/platform-spec";
import { renderHaproxyConfig, sampleServers } from "./haproxy/haproxy-config";
import { haproxyOptions } from "./haproxy/lb-containers";
import {
  renderWhitelistSample,
  renderWhitelistTemplate,
  whitelistSlaves,
} from "./whitelist/whitelist-template";

/** A file the stack would deploy, at a path relative to the output folder. */
export interface RenderedFile {
  path: string;
  content: string;
}

/** The placement table: which host runs which instance, and what each slave has left. */
export function renderPlacementTable(spec: PlatformSpec): string {
  const lines = [
    `# Placement of stack ${spec.stack} (${spec.environment})`,
    "",
    "entry\tkind\tmode\thosts",
  ];
  for (const e of [...spec.services, ...spec.agents]) {
    lines.push(
      `${e.name}\t${e.kind}\t${e.mode}\t${e.mode === "pulumi" ? e.hosts.join(",") : "(placed by Mesos)"}`,
    );
  }
  lines.push("", "host\tinstances\tcpus used/total\tmemory MiB used/total");
  for (const h of spec.slaves) {
    const u = spec.placement.usage.get(h.id)!;
    lines.push(
      `${h.id}\t${u.instances}\t${+u.cpus.toFixed(2)}/${h.cpus}\t${u.memoryMb}/${h.memoryMb}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** What consul-template renders when every instance the stack registers is healthy. */
export function renderHaproxySample(spec: PlatformSpec): string {
  const registered = new Map(
    servicesPlan(spec).map(({ service, instances }) => [
      service.key,
      instances.map(({ registration: r }) => ({
        id: r.serviceId,
        address: r.address,
        port: r.port,
      })),
    ]),
  );
  return renderHaproxyConfig(
    spec.services,
    haproxyOptions(spec),
    sampleServers((s) => registered.get(s.key) ?? []),
  );
}

function describe(c: ContainerSpec): string {
  const { files, ...rest } = c;
  return JSON.stringify({ ...rest, files: (files ?? []).map((f) => f.path) }, null, 2) + "\n";
}

/**
 * Every file the stack would deploy, without the Pulumi engine: per host and container its
 * definition and uploaded files, the placement table, and a sample HAProxy rendering.
 */
export function renderStack(spec: PlatformSpec): RenderedFile[] {
  const out: RenderedFile[] = [
    { path: "placement.tsv", content: renderPlacementTable(spec) },
    { path: "haproxy/sample-haproxy.cfg", content: renderHaproxySample(spec) },
  ];
  if (spec.features.mesos) {
    const slaves = whitelistSlaves(spec);
    out.push({ path: "whitelist/whitelist.ctmpl", content: renderWhitelistTemplate(slaves) });
    out.push({
      path: "whitelist/sample-whitelist",
      content: renderWhitelistSample(
        slaves,
        slaves.map((s) => s.hostname),
      ),
    });
    for (const app of marathonAppsPlan(spec))
      out.push({ path: `marathon/apps/${app.key}.json`, content: app.json });
    for (const job of chronosJobsPlan(spec))
      out.push({ path: `chronos/jobs/${job.key}.json`, content: job.json });
  }
  for (const { instances } of servicesPlan(spec)) {
    for (const { registration } of instances)
      out.push({
        path: `consul/services/${registration.serviceId}.json`,
        content: JSON.stringify(registration, null, 2) + "\n",
      });
  }
  for (const { hostId, container: c } of plannedContainers(spec)) {
    const dir = `hosts/${hostId}/${c.name}`;
    out.push({ path: `${dir}/container.json`, content: describe(c) });
    for (const f of c.files ?? []) out.push({ path: `${dir}/files${f.path}`, content: f.content });
  }
  return out;
}
