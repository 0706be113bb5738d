// What the site's plan keeps as deployed on slave-2 while it is down (failedHosts or lostHosts):
// every resource on its engine, its preparation, and the steps that probe, serve or retire its
// containers; `type name`, sorted. And what a test reads of the declared resources to compare.
import { DeclaredResource, deletedWithOf, ignoreChangesOf, retainOnDeleteOf } from "./mocks";

export const KEPT_ON_SLAVE_2 = [
  "command:local:Command platform-port-guards-slave-2-ready",
  "command:local:Command platform-port-guards-slave-2-retire",
  "command:local:Command platform-services-configuration-server-slave-2-ready",
  "command:local:Command platform-services-configuration-server-slave-2-served",
  "command:local:Command platform-services-framework-systemadministrator-slave-2-ready",
  "command:local:Command platform-services-framework-systemadministrator-slave-2-served",
  "command:remote:Command platform-hosts-slave-2-prepare",
  "docker:index/container:Container platform-consul-agent-slave-2",
  "docker:index/container:Container platform-port-guards-slave-2",
  "docker:index/container:Container platform-services-configuration-server-slave-2",
  "docker:index/container:Container platform-services-framework-systemadministrator-slave-2",
  "docker:index/network:Network platform-hosts-slave-2-net",
  "docker:index/volume:Volume platform-consul-agent-slave-2-consul-data",
  "pulumi:providers:docker platform-hosts-slave-2",
];

/**
 * Of `declared`, those kept as deployed (`ignoreChanges: ["*"]`), those not deleted through the
 * host's engine when its provider `provider` goes in the same run (`deletedWith`), and those
 * forgotten whatever happens (`retainOnDelete`): `type name`, sorted.
 */
export function keptAndLeftWith(
  declared: DeclaredResource[],
  provider: string,
): { kept: string[]; leftWithEngine: string[]; retained: string[] } {
  const named = (names: (name: string) => boolean) =>
    declared
      .filter((r) => names(r.name))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
  return {
    kept: named((n) => ignoreChangesOf(n).join() === "*"),
    leftWithEngine: named((n) => deletedWithOf(n) === provider),
    retained: named(retainOnDeleteOf),
  };
}

/**
 * The Consul forget steps declared (`<platform>-consul-forget-<host>`), by host: the inputs each
 * has, sorted. A lost host's has its deletion's command and environment; every other has none.
 */
export function forgetStepInputs(declared: DeclaredResource[]): Record<string, string[]> {
  return Object.fromEntries(
    declared
      .filter((r) => r.name.includes("-consul-forget-"))
      .map((r) => [r.name.replace(/^.*-consul-forget-/, ""), Object.keys(r.inputs).sort()]),
  );
}

/** What `forgetStepInputs` gives for the site's hosts with `lost` among them. */
export function siteForgetSteps(lost: string[]): Record<string, string[]> {
  const hosts = [
    "master-1",
    "master-2",
    "master-3",
    "slave-1",
    "slave-2",
    "slave-3",
    "lb-1",
    "lb-2",
  ];
  return Object.fromEntries(
    hosts.map((h) => [h, lost.includes(h) ? ["delete", "environment"] : []]),
  );
}
