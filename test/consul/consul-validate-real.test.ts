// `consul validate`, Consul's own check of its configuration, on every Consul server and agent
// configuration every stack renders, run by the Consul the local stack's image holds
// (lhcb-platform/consul:1.16.6, built by scripts/docker/build-images.sh).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CONSUL_CONFIG_FILE } from "../../components/consul/consul-containers";
import { secretPlaceholder } from "../../components/core/container-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { plannedContainers } from "../../components/plan";
import { tempDir } from "../../scripts/temp-dir";

const IMAGE = "lhcb-platform/consul:1.16.6";
/** A gossip key of the right shape (32 bytes, base64) where the stack has its secret's placeholder. */
const KEY = Buffer.alloc(32, 7).toString("base64");

const hasImage =
  spawnSync("docker", ["image", "inspect", IMAGE], { encoding: "utf8" }).status === 0;

for (const stack of ["local", "cert", "prod", "site"]) {
  test(
    `${stack}: consul validate accepts every server's and agent's configuration`,
    { skip: hasImage ? false : `no ${IMAGE}: run npm run up first` },
    () => {
      const spec = loadPlatformFromStackFile(process.cwd(), stack);
      const dir = tempDir(`consul-validate-${stack}-`);
      const names: string[] = [];
      for (const { container } of plannedContainers(spec)) {
        const file = container.files?.find((f) => f.path === CONSUL_CONFIG_FILE);
        if (!file) continue;
        mkdirSync(join(dir, container.name));
        const content = file.content.split(secretPlaceholder("consulGossipKey")).join(KEY);
        writeFileSync(join(dir, container.name, "consul.json"), content);
        names.push(container.name);
      }
      assert.equal(names.length, spec.hosts.length, "a server per master, an agent per other host");
      const r = spawnSync(
        "docker",
        [
          "run",
          "--rm",
          "--network",
          "none",
          "-v",
          `${dir}:/configs:ro`,
          "--entrypoint",
          "sh",
          IMAGE,
          "-c",
          'for d in /configs/*; do echo "== $d"; consul validate "$d" || exit 1; done',
        ],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.equal((r.stdout.match(/^Configuration is valid!$/gm) ?? []).length, names.length);
    },
  );
}
