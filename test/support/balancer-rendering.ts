// What consul-template does in a load balancer's container, done by hand where no Consul runs: a
// rendering written as the candidate, then the reload command it runs after each rendering.
import { spawnSync } from "node:child_process";
import { LoadBalancersSpec } from "../../components/core/platform-spec";
import { renderHaproxyConfig, sampleServers } from "../../components/haproxy/haproxy-config";
import { frontedServices, haproxyOptions } from "../../components/haproxy/lb-containers";
import { LB_PATHS } from "../../components/haproxy/lb-files";

/**
 * A rendering of `spec`'s balancer config with one instance `<tag>-<service key>` per service,
 * at a port of the loopback nothing listens on (the discard port): its checks fail.
 */
export function renderingWith(spec: LoadBalancersSpec, tag: string): string {
  return renderHaproxyConfig(
    frontedServices(spec),
    haproxyOptions(spec),
    sampleServers((s) => [{ id: `${tag}-${s.key}`, address: "127.0.0.1", port: 9 }]),
  );
}

/** Writes `config` as the candidate in balancer container `name` and runs its reload; its output. */
export function renderInto(name: string, config: string): string {
  const write = spawnSync(
    "docker",
    ["exec", "-i", name, "sh", "-c", `cat >${LB_PATHS.candidate}`],
    {
      input: config,
      encoding: "utf8",
    },
  );
  if (write.status !== 0) throw new Error(`writing the candidate in ${name}: ${write.stderr}`);
  const reload = spawnSync("docker", ["exec", name, LB_PATHS.reload], { encoding: "utf8" });
  if (reload.status !== 0)
    throw new Error(`lb-reload in ${name}: ${reload.stdout}${reload.stderr}`);
  return `${reload.stdout}${reload.stderr}`;
}
