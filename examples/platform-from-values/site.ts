// The site, as this project keeps it: plain values in its own code, not a stack file. The images
// are the ones the library's scripts build on a machine with Docker (its README, "First commands").
import type { CatalogInput, PlatformValues } from "lhcb-platform";

export const config: PlatformValues["config"] = {
  environment: "local",
  mode: "pulumi",
  images: {
    zookeeper: "lhcb-platform/zookeeper:3.8.4",
    consul: "lhcb-platform/consul:1.16.6",
    consulEsm: "lhcb-platform/consul-esm:0.9.1",
    consulTemplate: "lhcb-platform/haproxy:2.6",
    loadBalancer: "lhcb-platform/haproxy:2.6",
    service: "lhcb-platform/service:1.0.0",
  },
  features: { mesos: false, logging: false, metrics: false, grafana: false, consulEsm: true },
  hosts: [
    { id: "m1", address: "m1", roles: ["master"], cpus: 2, memoryMb: 2048 },
    { id: "m2", address: "m2", roles: ["master"], cpus: 2, memoryMb: 2048 },
    { id: "m3", address: "m3", roles: ["master"], cpus: 2, memoryMb: 2048 },
    { id: "s1", address: "s1", roles: ["slave"], cpus: 2, memoryMb: 4096 },
    { id: "s2", address: "s2", roles: ["slave"], cpus: 2, memoryMb: 4096 },
    { id: "lb", address: "lb", roles: ["lb"], cpus: 1, memoryMb: 1024 },
  ],
};

export const catalog: CatalogInput = {
  defaults: { cpus: 0.1, memoryMb: 128 },
  services: [
    {
      name: "Framework/SystemAdministrator",
      instances: 2,
      port: 9162,
      check: { http: "/ping", intervalSeconds: 2, timeoutSeconds: 2, retries: 3 },
    },
    {
      name: "Configuration/Server",
      instances: 2,
      port: 9135,
      protocol: "tcp",
      check: { tcp: true, intervalSeconds: 2, timeoutSeconds: 2, retries: 3 },
    },
  ],
  agents: [
    { name: "Transformation/TransformationAgent", schedule: "0 * * * * *", durationSeconds: 5 },
  ],
};
