// A registry that needs a login: `registryUser` and the secret `registryPassword` reach every
// host's Docker provider as its `registryAuth` (the Engines pull with them), the password kept a
// secret; a user without a registry host to log in to, a missing, plain-text or malformed
// password are refused before anything is declared, naming the file and the field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inputProblems, specWith } from "../support/stack-input";
import { requiredSecrets, secretProblems } from "../../components/secret-checks";
import { installMocks, isSecretInput, plainInput, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

const USER = "lhcb-deploy";

test("registryUser: the login is the user at the host the registry prefix names; its password a required secret", () => {
  const site = specWith("site", { "lhcb-platform:registryUser": USER });
  assert.deepEqual(site.registryLogin, { address: "registry.site.lhcb.test:5000", username: USER });
  const prod = specWith("prod", { "lhcb-platform:registryUser": USER });
  assert.deepEqual(prod.registryLogin, { address: "gitlab-registry.cern.ch", username: USER });
  assert.equal(specWith("prod", {}).registryLogin, undefined);
  assert.equal(
    requiredSecrets(site).get("registryPassword"),
    `the hosts pull the images from registry.site.lhcb.test:5000 as registryUser ${USER}`,
  );
  const anonymous = specWith("site", { "lhcb-platform:registryUser": undefined });
  assert.equal(requiredSecrets(anonymous).has("registryPassword"), false);

  const problems = (given: Parameters<typeof secretProblems>[1]) =>
    secretProblems(site, given, "Pulumi.site.yaml", "config.lhcb-platform:")
      .filter((p) => p.path.endsWith("registryPassword"))
      .map((p) => `${p.path}: ${p.expected}`);
  assert.deepEqual(problems({}), [
    `config.lhcb-platform:registryPassword: the secret, required because the hosts pull the images from registry.site.lhcb.test:5000 as registryUser ${USER}: pulumi config set --secret lhcb-platform:registryPassword`,
  ]);
  assert.deepEqual(problems({ registryPassword: { value: "s3cret-pass", secret: true } }), []);
  assert.deepEqual(problems({ registryPassword: { value: "s3cret-pass", secret: false } }), [
    "config.lhcb-platform:registryPassword: an encrypted value (pulumi config set --secret lhcb-platform:registryPassword); it is in plain text",
  ]);
  assert.deepEqual(problems({ registryPassword: { value: "two\nlines", secret: true } }), [
    "config.lhcb-platform:registryPassword: a password on one line; the value given has a line break or NUL",
  ]);
  assert.deepEqual(problems({ registryPassword: { value: "", secret: true } }), [
    "config.lhcb-platform:registryPassword: a password; the value given is empty",
  ]);
});

test("registryUser without a registry host to log in to, or not a user name, is refused naming the field", () => {
  assert.deepEqual(
    inputProblems(() => specWith("local", { "lhcb-platform:registryUser": USER })),
    [
      "Pulumi.local.yaml config.lhcb-platform:registry: a registry prefix that names the registry's host (registry.example.org[:port][/path]), which registryUser logs in to; none is set",
    ],
  );
  assert.deepEqual(
    inputProblems(() =>
      specWith("prod", {
        "lhcb-platform:registry": "lhcb-dirac",
        "lhcb-platform:registryUser": USER,
      }),
    ),
    [
      'Pulumi.prod.yaml config.lhcb-platform:registry: a registry prefix that names the registry\'s host (registry.example.org[:port][/path]), which registryUser logs in to; "lhcb-dirac" names none',
    ],
  );
  assert.deepEqual(
    inputProblems(() => specWith("prod", { "lhcb-platform:registryUser": "" })),
    [
      "Pulumi.prod.yaml config.lhcb-platform:registryUser: expected a registry user name, not an empty one",
    ],
  );
  assert.deepEqual(
    inputProblems(() => specWith("prod", { "lhcb-platform:registryUser": "two words" })),
    [
      "Pulumi.prod.yaml config.lhcb-platform:registryUser: expected a registry user name: no space, line break or ':'",
    ],
  );
});

test("every host's Docker provider pulls with the login, its password a secret; none without one", async () => {
  const password = "s3cret-pass";
  declareSitePlatform({ "lhcb-platform:registryUser": USER }, { registryPassword: password });
  declareSitePlatform({ "lhcb-platform:registryUser": undefined }, {}, "anonymous");
  await settle(declared);
  const providersOf = (platform: string) =>
    declared.filter(
      (r) => r.type === "pulumi:providers:docker" && r.name.startsWith(`${platform}-`),
    );
  for (const p of providersOf("anonymous"))
    assert.equal(p.inputs.registryAuth, undefined, `${p.name}: no login`);
  assert.equal(providersOf("anonymous").length, 8);
  const providers = providersOf("platform");
  assert.deepEqual(
    providers.map((p) => p.name).sort(),
    ["lb-1", "lb-2", "master-1", "master-2", "master-3", "slave-1", "slave-2", "slave-3"].map(
      (h) => `platform-hosts-${h}`,
    ),
  );
  for (const p of providers) {
    assert.ok(isSecretInput(p.inputs.registryAuth), `${p.name}: registryAuth is kept secret`);
    assert.deepEqual(
      JSON.parse(plainInput(p.inputs.registryAuth) as string),
      [{ address: "registry.site.lhcb.test:5000", username: USER, password }],
      p.name,
    );
  }
});
