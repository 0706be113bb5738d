// What the release checks of its stack before it builds anything: the stack exists (a mistyped
// name creates nothing), and which image it builds for it (the one its services run); and which
// instances it waits for in Consul.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openExistingStack, PROJECT_ROOT } from "../../scripts/engine-stack";
import {
  DIRAC_RELEASE,
  instanceChecks,
  releaseKindOf,
  SERVICE_RELEASE,
  stackRegistryLogin,
} from "../../scripts/release";

test("a stack without a stack file is refused, naming the file, and none is made", async () => {
  const file = join(PROJECT_ROOT, "Pulumi.prdo.yaml");
  await assert.rejects(openExistingStack("prdo"), {
    message: `no stack prdo: ${file} does not exist`,
  });
  assert.equal(existsSync(file), false);
});

test("the release builds the image the stack's services run: DIRAC's where it runs DIRAC, the platform's service image where they run that", () => {
  const images = (service: string) => ({
    "lhcb-platform:images": { value: JSON.stringify({ service }) },
  });
  const dirac = { "lhcb-platform:dirac": { value: JSON.stringify({ installation: "Local" }) } };
  assert.equal(
    releaseKindOf("local", { ...dirac, ...images("lhcb-platform/dirac:9.1.22") }),
    DIRAC_RELEASE,
  );
  // cert and prod set no image: their services run the default, the platform's service image.
  assert.equal(releaseKindOf("prod", {}), SERVICE_RELEASE);
  assert.equal(releaseKindOf("cert", images("lhcb-platform/service:1.0.0")), SERVICE_RELEASE);
  // After a release at a site: the published image, named by its digest.
  const published = `lhcb-platform/service:1.0.1@sha256:${"a".repeat(64)}`;
  assert.equal(releaseKindOf("site", images(published)), SERVICE_RELEASE);
  // Docker Hub's host is no host to Docker: the same image as without it.
  assert.equal(
    releaseKindOf("cert", images("docker.io/lhcb-platform/service:1.0.0")),
    SERVICE_RELEASE,
  );
  // Behind a registry host, on a stack whose `registry` the plan puts in that host's place.
  const registry = { "lhcb-platform:registry": { value: "registry.example.org:5000" } };
  const hosted = [
    "docker.io/lhcb-platform/service:1.0.0",
    `registry.example.org:5000/${published}`,
  ];
  for (const image of hosted)
    assert.equal(releaseKindOf("site", { ...registry, ...images(image) }), SERVICE_RELEASE, image);
  assert.equal(SERVICE_RELEASE.image("1.0.2"), "lhcb-platform/service:1.0.2");
  assert.deepEqual(SERVICE_RELEASE.buildArgs("1.0.2"), ["--service-version", "1.0.2", "service"]);
  assert.match(DIRAC_RELEASE.image("1.0.2"), /^lhcb-platform\/dirac:[0-9][0-9.]*-1\.0\.2$/);
  assert.deepEqual(DIRAC_RELEASE.buildArgs("1.0.2"), ["--release", "1.0.2", "dirac"]);
});

test("a stack whose services run another image is refused, naming the image and the file", () => {
  const config = (service: string) => ({
    "lhcb-platform:images": { value: JSON.stringify({ service }) },
  });
  const others = [
    "registry.example.org/ops/dirac-services:7",
    "lhcb-platform/dirac:9.1.22", // DIRAC's image on a stack that sets no lhcb-platform:dirac
  ];
  for (const image of others)
    assert.throws(() => releaseKindOf("cert", config(image)), {
      message: `stack cert's services run ${image} (lhcb-platform:images.service in Pulumi.cert.yaml), which this release does not build: it builds lhcb-platform/dirac for a stack that sets lhcb-platform:dirac and lhcb-platform/service for one whose services run it`,
    });
  // The platform's image behind a registry host on a stack without a `registry`: its hosts pull
  // it from there, where the release would not publish.
  for (const image of [
    "registry.example.org/lhcb-platform/service:1.0.0",
    "localhost:5000/lhcb-platform/service",
  ])
    assert.throws(() => releaseKindOf("cert", config(image)), {
      message: `stack cert's services run ${image} (lhcb-platform:images.service in Pulumi.cert.yaml), from a registry the stack does not name: the release publishes to lhcb-platform:registry, so set that to the registry, or name the image ${image.replace(/^[^/]+\//, "")}`,
    });
});

test("the instances' checks the release waits for: those of their external nodes, but a failed host's", () => {
  const check = (Node: string, ServiceID: string, Status: string) => ({ Node, ServiceID, Status });
  const checks = [
    check("site-slave-1-instances", "web-1", "passing"),
    check("site-slave-1-instances", "cs-1", "passing"),
    check("site-slave-2-instances", "web-2", "critical"), // slave-2 is down
    check("site-slave-3-instances", "web-3", "warning"),
    check("site-slave-1", "", "passing"), // a node's own check (serfHealth)
    check("site-master-1", "consul", "passing"), // not an instance
  ];
  assert.deepEqual(instanceChecks(checks, []), { total: 4, passing: 2 });
  assert.deepEqual(instanceChecks(checks, ["site-slave-2-instances"]), { total: 3, passing: 2 });
});

test("the login the release publishes with: the stack's registryUser at its registry's host, with registryPassword", () => {
  const registry = { "lhcb-platform:registry": { value: "registry.example.org:5000/lhcb" } };
  const user = { "lhcb-platform:registryUser": { value: "deploy" } };
  const password = { "lhcb-platform:registryPassword": { value: "s3cret", secret: true } };
  assert.deepEqual(stackRegistryLogin("cert", { ...registry, ...user, ...password }), {
    address: "registry.example.org:5000",
    username: "deploy",
    password: "s3cret",
  });
  // No user: the machine's own logins.
  assert.equal(stackRegistryLogin("cert", { ...registry, ...password }), undefined);
  // What the stack's `up` would refuse is refused before anything is built.
  assert.throws(() => stackRegistryLogin("cert", { ...registry, ...user }), {
    message:
      "stack cert names lhcb-platform:registryUser without a lhcb-platform:registryPassword in Pulumi.cert.yaml: `pulumi config set --secret lhcb-platform:registryPassword --stack cert`",
  });
  const plain = { "lhcb-platform:registryPassword": { value: "s3cret", secret: false } };
  assert.throws(() => stackRegistryLogin("cert", { ...registry, ...user, ...plain }), {
    message:
      "stack cert names lhcb-platform:registryUser without an encrypted lhcb-platform:registryPassword in Pulumi.cert.yaml: `pulumi config set --secret lhcb-platform:registryPassword --stack cert`",
  });
  assert.throws(() => stackRegistryLogin("cert", { ...user, ...password }), {
    message:
      "stack cert names lhcb-platform:registryUser without a registry host to log in to: expected lhcb-platform:registry in Pulumi.cert.yaml to name one (registry.example.org[:port][/path])",
  });
});
