// The Mesos whitelist: template text, sample renderings and consul-template config, exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  whitelistRendererConfig,
  whitelistRendererContainer,
} from "../../components/whitelist/whitelist-containers";
import {
  renderWhitelistSample,
  renderWhitelistTemplate,
  whitelistSlaves,
} from "../../components/whitelist/whitelist-template";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
const local = loadPlatformFromStackFile(process.cwd(), "local");

test("slaves: Consul node → the hostname its agent registers with, in node order", () => {
  assert.deepEqual(whitelistSlaves(cert), [
    { node: "cert-cert-slave-1", hostname: "lbcertvobox01.cern.ch" },
    { node: "cert-cert-slave-2", hostname: "lbcertvobox02.cern.ch" },
    { node: "cert-cert-slave-3", hostname: "lbcertvobox03.cern.ch" },
    { node: "cert-cert-slave-4", hostname: "lbcertvobox04.cern.ch" },
  ]);
  assert.deepEqual(whitelistSlaves(local), [
    { node: "local-slave-1", hostname: "local-mesos-agent-slave-1" },
    { node: "local-slave-2", hostname: "local-mesos-agent-slave-2" },
    { node: "local-slave-3", hostname: "local-mesos-agent-slave-3" },
  ]);
});

test("the cert template, exactly", () => {
  assert.equal(
    renderWhitelistTemplate(whitelistSlaves(cert)),
    [
      "{{- /* Mesos agent whitelist: healthy nodes of Consul service mesos-slave-host; generated, do not edit */ -}}",
      '{{- range service "mesos-slave-host" }}',
      '{{- if eq .Node "cert-cert-slave-1" }}lbcertvobox01.cern.ch',
      '{{ else if eq .Node "cert-cert-slave-2" }}lbcertvobox02.cern.ch',
      '{{ else if eq .Node "cert-cert-slave-3" }}lbcertvobox03.cern.ch',
      '{{ else if eq .Node "cert-cert-slave-4" }}lbcertvobox04.cern.ch',
      "{{ end }}",
      "{{- end -}}",
      "",
    ].join("\n"),
  );
});

test("a template for no slaves renders nothing", () => {
  assert.equal(
    renderWhitelistTemplate([]),
    '{{- /* Mesos agent whitelist: healthy nodes of Consul service mesos-slave-host; generated, do not edit */ -}}\n{{- range service "mesos-slave-host" }}\n{{- end -}}\n',
  );
});

const samples: [string, string[], string][] = [
  [
    "all healthy",
    [
      "lbcertvobox01.cern.ch",
      "lbcertvobox02.cern.ch",
      "lbcertvobox03.cern.ch",
      "lbcertvobox04.cern.ch",
    ],
    "lbcertvobox01.cern.ch\nlbcertvobox02.cern.ch\nlbcertvobox03.cern.ch\nlbcertvobox04.cern.ch\n",
  ],
  [
    "two healthy, given out of order",
    ["lbcertvobox04.cern.ch", "lbcertvobox02.cern.ch"],
    "lbcertvobox02.cern.ch\nlbcertvobox04.cern.ch\n",
  ],
  [
    "one healthy and a host of another stack",
    ["lbcertvobox03.cern.ch", "lbvobox09.cern.ch"],
    "lbcertvobox03.cern.ch\n",
  ],
  ["none healthy: an empty file, Mesos offers no agent", [], ""],
];

for (const [what, healthy, expected] of samples) {
  test(`sample rendering: ${what}`, () => {
    assert.equal(renderWhitelistSample(whitelistSlaves(cert), healthy), expected);
  });
}

test("consul-template config of the renderer on a cert master, exactly", () => {
  assert.equal(
    whitelistRendererConfig(cert, cert.masters[0]),
    `consul {
  address = "lbcertmaster01.cern.ch:8501"
  token   = "@@secret:consulToken@@"
  ssl {
    enabled = true
    verify  = true
    ca_cert = "/etc/platform/consul-ca.pem"
  }
  retry {
    enabled     = true
    attempts    = 0
    backoff     = "250ms"
    max_backoff = "10s"
  }
}

log_level   = "info"
kill_signal = "SIGTERM"

wait {
  min = "2s"
  max = "10s"
}

template {
  source      = "/etc/consul-template/whitelist.ctmpl"
  destination = "/etc/mesos/whitelist"
  perms       = 0644
}
`,
  );
  assert.match(
    whitelistRendererConfig(local, local.masters[1]),
    /address = "local-consul-server-master-2:8500"/,
  );
});

test("renderer container: consul-template, the shared whitelist directory, healthy once rendered", () => {
  const c = whitelistRendererContainer(cert, cert.masters[0]);
  assert.equal(c.name, "cert-mesos-whitelist-cert-master-1");
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/hashicorp/consul-template:0.42.1");
  assert.deepEqual(
    [...(c.entrypoint ?? []), ...(c.command ?? [])],
    ["consul-template", "-config", "/etc/consul-template/whitelist.hcl"],
  );
  assert.equal(c.hostNetwork, true);
  assert.deepEqual(c.volumes, [
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-whitelist-cert-master-1",
      containerPath: "/etc/mesos",
    },
  ]);
  assert.deepEqual(c.files, [
    {
      path: "/etc/consul-template/whitelist.hcl",
      content: whitelistRendererConfig(cert, cert.masters[0]),
    },
    {
      path: "/etc/consul-template/whitelist.ctmpl",
      content: renderWhitelistTemplate(whitelistSlaves(cert)),
    },
    // The CA consul-template checks Consul's HTTPS certificate against.
    { path: "/etc/platform/consul-ca.pem", content: "@@secret:consulCaCert@@" },
  ]);
  assert.deepEqual(c.healthcheck?.test, ["CMD", "test", "-f", "/etc/mesos/whitelist"]);
});
