// The whitelist template executed by Go's text/template (the engine consul-template uses), with a
// stand-in `service` returning the healthy nodes in Consul's order: it must render the sample.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  renderWhitelistSample,
  renderWhitelistTemplate,
  whitelistSlaves,
} from "../../components/whitelist/whitelist-template";
import { tempDir } from "../../scripts/temp-dir";

const RENDERER = `package main

import (
	"io"
	"os"
	"text/template"
)

type entry struct{ Node string }

func main() {
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	nodes := os.Args[1:]
	service := func(string) []entry {
		out := []entry{}
		for _, n := range nodes {
			out = append(out, entry{n})
		}
		return out
	}
	t := template.Must(template.New("whitelist").Funcs(template.FuncMap{"service": service}).Parse(string(src)))
	if err := t.Execute(os.Stdout, nil); err != nil {
		panic(err)
	}
}
`;

const hasGo = spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;

test(
  "Go's text/template renders exactly the sample",
  { skip: hasGo ? false : "go is not installed" },
  () => {
    const dir = tempDir("whitelist-go-");
    writeFileSync(join(dir, "go.mod"), "module whitelistcheck\n\ngo 1.21\n");
    writeFileSync(join(dir, "main.go"), RENDERER);
    const build = spawnSync("go", ["build", "-o", join(dir, "render"), "."], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
    });
    assert.equal(build.status, 0, build.stderr);

    const spec = loadPlatformFromStackFile(process.cwd(), "cert");
    const slaves = whitelistSlaves(spec);
    const template = renderWhitelistTemplate(slaves);
    // Healthy nodes as Consul lists them (sorted by node), with a node of another stack among them.
    const cases: [string[], string[]][] = [
      [
        ["cert-cert-slave-1", "cert-cert-slave-2", "cert-cert-slave-3", "cert-cert-slave-4"],
        [
          "lbcertvobox01.cern.ch",
          "lbcertvobox02.cern.ch",
          "lbcertvobox03.cern.ch",
          "lbcertvobox04.cern.ch",
        ],
      ],
      [
        ["cert-cert-slave-2", "cert-cert-slave-4", "prod-prod-slave-1"],
        ["lbcertvobox02.cern.ch", "lbcertvobox04.cern.ch"],
      ],
      [["cert-cert-slave-3"], ["lbcertvobox03.cern.ch"]],
      [[], []],
    ];
    for (const [nodes, hostnames] of cases) {
      const r = spawnSync(join(dir, "render"), nodes, { input: template, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, renderWhitelistSample(slaves, hostnames), `nodes ${nodes.join(",")}`);
    }
  },
);
