import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  backendName,
  haproxyTime,
  renderHaproxyConfig,
  sampleServers,
  serverOptions,
} from "../../components/haproxy/haproxy-config";
import {
  haproxyConfigWithoutServers,
  haproxyOptions,
  haproxyTemplate,
  loadBalancerContainer,
} from "../../components/haproxy/lb-containers";
import { LB_PATHS, renderConsulTemplateConfig } from "../../components/haproxy/lb-files";
import { matchSnapshot } from "../support/snapshot";

const local = loadPlatformFromStackFile(process.cwd(), "local");

test("the consul-template template of the local stack", () => {
  matchSnapshot("haproxy/local.cfg.ctmpl", haproxyTemplate(local));
});

test("server options: active checks, PROXY protocol and the bridge port", () => {
  const [config, storage, web, proxied, status] = local.services;
  assert.deepEqual(
    local.services.map((s) => s.name),
    [
      "Configuration/Server",
      "DataManagement/StorageElement",
      "Sample/Web",
      "Sample/Proxied",
      "ResourceStatus/ResourceStatus",
    ],
  );
  const common =
    "check inter 200ms fastinter 100ms downinter 500ms rise 2 fall 1 observe layer4 error-limit 1 on-error mark-down init-addr last,libc,none resolvers docker";
  assert.equal(serverOptions(web, { reResolve: true }), common);
  // DIRAC's services: checked through their bridge, no PROXY protocol (DISET does not read it)
  assert.equal(serverOptions(config, { reResolve: true }), `${common} port 19135`);
  assert.equal(serverOptions(storage, { reResolve: true }), `${common} port 19148`);
  assert.equal(serverOptions(status, { reResolve: true }), `${common} port 19160`);
  assert.equal(serverOptions(proxied, { reResolve: true }), `${common} send-proxy-v2 port 19170`);
  assert.equal(backendName(config), "be_configuration_server");
});

test("names are re-resolved through DNS on the local stack only: on real hosts an instance is its host's name, which the system resolver (and /etc/hosts) gives at each load", () => {
  const [config] = local.services;
  assert.doesNotMatch(serverOptions(config, { reResolve: false }), /resolvers/);
  const prod = loadPlatformFromStackFile(process.cwd(), "prod");
  const prodTemplate = haproxyTemplate(prod);
  assert.doesNotMatch(prodTemplate, /resolvers|parse-resolv-conf/);
  assert.match(prodTemplate, / init-addr last,libc,none\n/);
  const localTemplate = haproxyTemplate(local);
  assert.match(localTemplate, /^resolvers docker\n {4}parse-resolv-conf\n {4}hold valid 10s$/m);
  assert.equal(
    localTemplate
      .split("\n")
      .filter((l) => l.includes(" init-addr last,libc,none resolvers docker")).length,
    local.services.length,
  );
});

test("the template and a sample rendering differ only in the server lines", () => {
  const sample = renderHaproxyConfig(
    local.services,
    {
      stack: "local",
      maxconn: 4096,
      statsPort: 8404,
      statsAddress: "*",
      runDir: LB_PATHS.runDir,
      reResolve: true,
    },
    sampleServers((s) =>
      s.hosts.map((h) => ({
        id: `local-${s.key}-${h}`,
        address: `local-${s.key}-${h}`,
        port: s.port,
      })),
    ),
  );
  const strip = (t: string) =>
    t
      .split("\n")
      .filter((l) => !/^\s*server |\{\{/.test(l))
      .join("\n");
  assert.equal(strip(sample), strip(haproxyTemplate(local)));
  // every instance twice: checked, and as an unchecked backup for when the checks hide them all
  const servers = sample.split("\n").filter((l) => l.startsWith("    server "));
  assert.equal(servers.length, 2 * (3 + 2 + 3 + 2 + 2));
  assert.equal(servers.filter((l) => / backup( |$)/.test(l)).length, 3 + 2 + 3 + 2 + 2);
  assert.ok(
    sample.includes("    server local-sample-web-slave-1 local-sample-web-slave-1:9162 check"),
  );
  assert.ok(
    sample.includes(
      "    server local-sample-web-slave-1-fallback local-sample-web-slave-1:9162 backup init-addr libc,none\n",
    ),
  );
  // the PROXY protocol on the fallback as on its twin; no check, so no bridge port; resolved at
  // each load only
  assert.ok(
    sample.includes(
      "    server local-sample-proxied-slave-2-fallback local-sample-proxied-slave-2:9170 backup init-addr libc,none send-proxy-v2\n",
    ),
  );
});

test("the template checks the instances Consul holds passing and keeps every registered one, maintenance aside, as a fallback", () => {
  const t = haproxyTemplate(local);
  const be = t.slice(t.indexOf("backend be_sample_proxied"));
  const servers = be.slice(be.indexOf("{{"), be.lastIndexOf("{{- end }}") + "{{- end }}".length);
  assert.equal(
    servers,
    [
      '{{- range service "local.sample-proxied" }}',
      `    server {{ .ID }} {{ .Address }}:{{ .Port }} ${serverOptions(
        local.services.find((s) => s.key === "sample-proxied")!,
        { reResolve: true },
      )}`,
      "{{- end }}",
      '{{- range service "local.sample-proxied|passing,warning,critical" }}',
      "    server {{ .ID }}-fallback {{ .Address }}:{{ .Port }} backup init-addr libc,none send-proxy-v2",
      "{{- end }}",
    ].join("\n"),
  );
});

test("a Marathon task of a command-checked service is checked at the bridge port its registration names; a pulumi-mode instance at its fixed one", () => {
  const cert = loadPlatformFromStackFile(process.cwd(), "cert");
  const t = haproxyTemplate(cert);
  const serverOf = (key: string) => {
    const be = t.slice(t.indexOf(`{{- range service "cert.${key}" }}`));
    return be.slice(be.indexOf("\n") + 1, be.indexOf("\n{{- end }}"));
  };
  const proxymanager = cert.services.find((s) => s.key === "framework-proxymanager")!;
  assert.equal(proxymanager.mode, "marathon");
  assert.ok(proxymanager.check.command);
  assert.match(serverOf("framework-proxymanager"), / port \{\{ \.ServiceMeta\.check_port \}\}$/);
  // An HTTP-checked task is checked on its own port, as an instance is.
  assert.doesNotMatch(serverOf("framework-monitoring"), / port /);
  const [config] = local.services;
  assert.equal(config.mode, "pulumi");
  assert.match(haproxyTemplate(local), / port 19135\n/);
  // A sample rendering takes an instance's bridge port where it has one.
  const lines = sampleServers(() => [
    { id: "t", address: "10.0.0.1", port: 31003, checkPort: 31004 },
  ])(proxymanager, { ...haproxyOptions(cert), reResolve: false });
  assert.match(lines[0], / port 31004$/);
});

test("an instance Consul does not hold passing is a fallback only", () => {
  const web = local.services.find((s) => s.key === "sample-web")!;
  const lines = sampleServers(() => [
    { id: "a", address: "10.0.0.1", port: 9162 },
    { id: "b", address: "10.0.0.2", port: 9162, passing: false },
  ])(web, { ...haproxyOptions(local), reResolve: false });
  assert.deepEqual(lines, [
    `    server a 10.0.0.1:9162 ${serverOptions(web, { reResolve: false })}`,
    "    server a-fallback 10.0.0.1:9162 backup init-addr libc,none",
    "    server b-fallback 10.0.0.2:9162 backup init-addr libc,none",
  ]);
});

test("HTTP frontends forward the client address, close idle keep-alive connections on reload, and refuse the instances' admin paths", () => {
  const t = haproxyTemplate(local);
  const fe = t.slice(t.indexOf("frontend fe_sample_web"), t.indexOf("\nbackend be_sample_web") + 1);
  assert.equal(
    fe,
    "frontend fe_sample_web\n    bind *:9162\n    mode http\n    option httplog\n    option forwardfor\n    option http-keep-alive\n    option idle-close-on-response\n    http-request deny deny_status 403 if { path_beg -i /admin }\n    default_backend be_sample_web\n\n",
  );
  assert.equal(haproxyConfigWithoutServers(local).includes("{{"), false);
});

test("consul-template config renders a candidate and runs the checked reload", () => {
  assert.equal(
    renderConsulTemplateConfig({
      consul: { address: "c:8500" },
      waitMin: "100ms",
      waitMax: "500ms",
    }),
    `consul {
  address = "c:8500"
  retry {
    enabled     = true
    attempts    = 0
    backoff     = "250ms"
    max_backoff = "5s"
  }
}

log_level = "info"
kill_signal = "SIGTERM"

template {
  source          = "/etc/haproxy/haproxy.cfg.ctmpl"
  destination     = "/etc/haproxy/candidate.cfg"
  command         = "/usr/local/bin/lb-reload"
  command_timeout = "30s"
  perms           = 0644
  wait {
    min = "100ms"
    max = "500ms"
  }
}
`,
  );
});

test("load balancer containers: local on the platform network, prod on the host network", () => {
  const c = loadBalancerContainer(local, local.loadBalancers[0]);
  assert.equal(c.name, "local-lb-lb-1");
  assert.equal(c.hostNetwork, false);
  assert.deepEqual(c.entrypoint, ["/usr/local/bin/lb-start"]);
  assert.deepEqual(
    c.files!.map((f) => [f.path, f.executable ?? false]),
    [
      ["/etc/haproxy/haproxy.cfg.ctmpl", false],
      ["/etc/consul-template/lb.hcl", false],
      ["/usr/local/bin/lb-reload", true],
      ["/usr/local/bin/lb-start", true],
    ],
  );
  assert.ok(c.files![1].content.includes('address = "local-consul-agent-lb-1:8500"'));
  const prod = loadPlatformFromStackFile(process.cwd(), "prod");
  const p = loadBalancerContainer(prod, prod.loadBalancers[2]);
  assert.equal(p.name, "prod-lb-prod-lb-3");
  assert.equal(p.hostNetwork, true);
  assert.equal(p.image, "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/haproxy:2.6");
  // Over HTTPS to its host's agent, checked against the CA, which it is given.
  assert.ok(p.files![1].content.includes('address = "lbproxy03.cern.ch:8501"'));
  assert.ok(p.files![1].content.includes('    ca_cert = "/etc/platform/consul-ca.pem"\n'));
  assert.deepEqual(p.files!.at(-1), {
    path: "/etc/platform/consul-ca.pem",
    content: "@@secret:consulCaCert@@",
  });
});

test("the stats page listens on every address on local, on the loopback on cert and prod unless the stack says otherwise; the health check asks it there", () => {
  const statsBind = (cfg: string) => cfg.split("\n").filter((l) => /^ {4}bind \S+:8404$/.test(l));
  const healthUrl = (c: { healthcheck?: { test: string[] } }) => c.healthcheck!.test.at(-1);
  const l = loadBalancerContainer(local, local.loadBalancers[0]);
  assert.deepEqual(statsBind(haproxyTemplate(local)), ["    bind *:8404"]);
  assert.equal(healthUrl(l), "http://127.0.0.1:8404/healthz");
  const prod = loadPlatformFromStackFile(process.cwd(), "prod");
  assert.equal(prod.loadBalancer.statsAddress, "127.0.0.1");
  for (const cfg of [haproxyTemplate(prod), haproxyConfigWithoutServers(prod)])
    assert.deepEqual(statsBind(cfg), ["    bind 127.0.0.1:8404"]);
  const admin = { ...prod, loadBalancer: { ...prod.loadBalancer, statsAddress: "10.9.8.7" } };
  assert.deepEqual(statsBind(haproxyTemplate(admin)), ["    bind 10.9.8.7:8404"]);
  assert.equal(
    healthUrl(loadBalancerContainer(admin, admin.loadBalancers[0])),
    "http://10.9.8.7:8404/healthz",
  );
});

test("a service's request timeout in HAProxy's time format, which takes no fraction of a second", () => {
  assert.deepEqual([2, 30, 2.5, 0.0004].map(haproxyTime), ["2s", "30s", "2500ms", "1ms"]);
  const web = {
    ...local.services.find((s) => s.name === "Sample/Web")!,
    requestTimeoutSeconds: 2.5,
  };
  assert.match(
    renderHaproxyConfig([web], haproxyOptions(local), () => []),
    /\n {4}timeout server 2500ms\n/,
  );
});
