// PlatformContainer and CatalogService register exactly what the providers' generated classes register, with fewer outputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as consul from "@pulumi/consul";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { byName, installMocks, settle, valueOf } from "../support/mocks";

const declared = installMocks("prod");
import { toContainerArgs } from "../../components/hosts/container-args";
import { PlatformContainer } from "../../components/hosts/provider-container";
import { setProperties } from "../../components/core/set-properties";
import { ContainerSpec } from "../../components/core/container-spec";
import { CatalogService } from "../../components/services/catalog-service";

const spec: ContainerSpec = {
  name: "prod-web-slave-1",
  image: "lhcb-platform/service:1.0.0",
  restart: "always",
  labels: { "platform.stack": "prod", "platform.service": "web" },
  env: { SERVICE_NAME: "web" },
  files: [{ path: "/etc/platform/service.json", content: "{}" }],
  ports: [{ internal: 8080, external: 18080 }],
  healthcheck: {
    test: ["CMD", "platform-service", "health"],
    intervalSeconds: 1,
    timeoutSeconds: 1,
    retries: 3,
    startPeriodSeconds: 5,
  },
};

test("the same type and the same inputs as docker.Container, for the same arguments", async () => {
  const args = toContainerArgs(spec, "prod-net", [
    { path: "/etc/secret", content: pulumi.secret("s3cret") },
  ]);
  const ours = new PlatformContainer("ours", args);
  new docker.Container("theirs", args);
  await settle(declared);

  assert.equal(byName(declared, "ours").type, "docker:index/container:Container");
  assert.equal(byName(declared, "ours").type, byName(declared, "theirs").type);
  assert.deepEqual(byName(declared, "ours").inputs, byName(declared, "theirs").inputs);
  assert.equal(docker.Container.isInstance(ours), true);
  assert.equal(await valueOf(ours.name), "prod-web-slave-1");
  assert.equal(await valueOf(ours.image), "lhcb-platform/service:1.0.0");
  assert.deepEqual(await valueOf(ours.envs), ["SERVICE_NAME=web"]);
});

test("an Output only for what is set, plus the provider's network addresses", () => {
  const theirs = new docker.Container("count-theirs", { name: "a", image: "b" });
  const ours = new PlatformContainer("count-ours", { name: "a", image: "b", command: undefined });
  const outputs = (r: object) =>
    Object.keys(r).filter(
      (k) =>
        pulumi.Output.isInstance((r as Record<string, unknown>)[k]) && k !== "urn" && k !== "id",
    );
  assert.deepEqual(outputs(ours).sort(), ["image", "name", "networkDatas"]);
  assert.ok(outputs(theirs).length > 70, `docker.Container has ${outputs(theirs).length} outputs`);
});

test("setProperties leaves out what is unset and keeps falsy values", () => {
  assert.deepEqual(setProperties({ a: 1, b: undefined, c: false, d: 0, e: "", f: null }), {
    a: 1,
    c: false,
    d: 0,
    e: "",
    f: null,
  });
});

test("CatalogService: the same type and inputs as consul.Service", async () => {
  const args = {
    serviceId: "web-slave-1",
    name: "web",
    node: "prod-slave-1",
    address: "10.0.0.1",
    port: 8080,
    tags: ["http"],
    meta: { stack: "prod" },
  };
  const ours = new CatalogService("reg-ours", args);
  new consul.Service("reg-theirs", args);
  await settle(declared);
  assert.equal(byName(declared, "reg-ours").type, "consul:index/service:Service");
  assert.deepEqual(byName(declared, "reg-ours").inputs, byName(declared, "reg-theirs").inputs);
  assert.equal(consul.Service.isInstance(ours), true);
  assert.equal(await valueOf(ours.serviceId), "web-slave-1");
});
