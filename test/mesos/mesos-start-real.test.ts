// How the Mesos side starts on a host's network, on this machine's Docker Engine: a Mesos master
// and agent as the plan declares them for cert, created through the Engine's API as the Docker
// provider creates them (its entrypoint, no command, its hostname, the host's network), from
// stand-ins of the mesosphere images (their ENTRYPOINT and CMD, a program in place of Mesos that
// prints what it is started with). Mesos cannot run here. The container's own name does not
// resolve on a host's network, so libprocess could not find an address to advertise: the start
// gives it the host's address, resolved where it starts, and refuses a loopback one. The master
// image's `CMD ["--registry=in_memory"]` does not reach it.
import assert from "node:assert/strict";
import { request } from "node:http";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ContainerSpec } from "../../components/core/container-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { mesosAgentContainer, mesosMasterContainer } from "../../components/mesos/mesos-containers";
import { containerLogs, docker } from "../../scripts/bench/probes";
import { tempDir } from "../../scripts/temp-dir";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
const STANDIN = `lhcb-platform-test/mesos-standin:${process.pid}`;
const dir = tempDir("mesos-start-real-");
const created: string[] = [];

/** What the stand-in of a Mesos program prints: its arguments, the address, whether its name resolves. */
const PROGRAM = [
  "#!/bin/sh",
  'if getent hosts "$(hostname)" >/dev/null; then own=resolves; else own=unresolved; fi',
  'echo "args=[$*] advertise=${LIBPROCESS_ADVERTISE_IP:-none} hostname=$own"',
].join("\n");

before(() => {
  writeFileSync(join(dir, "mesos"), PROGRAM + "\n", { mode: 0o755 });
  // The mesosphere images' ENTRYPOINT and CMD (mesosphere/docker-containers, mesos/dockerfile-templates).
  writeFileSync(
    join(dir, "Dockerfile"),
    [
      "FROM lhcb-platform/haproxy:2.6",
      "COPY mesos /usr/local/bin/mesos-master",
      "COPY mesos /usr/local/bin/mesos-slave",
      'CMD ["--registry=in_memory"]',
      'ENTRYPOINT ["mesos-master"]',
    ].join("\n") + "\n",
  );
  docker("build", "-q", "-t", STANDIN, dir);
});

after(() => {
  for (const name of created) docker("rm", "-f", name);
  docker("rmi", "-f", STANDIN);
  rmSync(dir, { recursive: true, force: true });
});

/** A call to the Engine's API on its socket; the status and the body as JSON (or text). */
function engine(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: "/var/run/docker.sock",
        method,
        path,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Creates `c` as the Docker provider does (Entrypoint, no Cmd, Hostname, Env, the host network),
 * from the stand-in image, with `hosts` as its /etc/hosts entries (the site's DNS); starts it,
 * waits for its end; its exit code and output.
 */
async function started(c: ContainerSpec, hosts: string[]): Promise<{ code: number; out: string }> {
  const name = `${c.name}-${process.pid}-${created.length}`;
  const create = await engine("POST", `/containers/create?name=${name}`, {
    Image: STANDIN,
    Entrypoint: c.entrypoint,
    Hostname: c.hostname,
    Env: Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`),
    HostConfig: { NetworkMode: "host", ExtraHosts: hosts },
  });
  assert.equal(create.status, 201, JSON.stringify(create.body));
  created.push(name);
  assert.equal((await engine("POST", `/containers/${name}/start`)).status, 204);
  const waited = await engine("POST", `/containers/${name}/wait`);
  return {
    code: (waited.body as { StatusCode: number }).StatusCode,
    out: containerLogs(name).trim(),
  };
}

const master = cert.masters[0];
const slave = cert.slaves[0];

test("cert: a master and an agent advertise their host's address, resolved where they start, though their own names resolve to nothing; the master image's in-memory registry does not reach the master", async () => {
  const m = mesosMasterContainer(cert, master);
  assert.equal(m.hostNetwork, true);
  assert.equal(m.command, undefined);
  const ran = await started(m, [`${master.address}:10.20.30.41`]);
  assert.deepEqual(ran, { code: 0, out: "args=[] advertise=10.20.30.41 hostname=unresolved" });
  const a = mesosAgentContainer(cert, slave);
  assert.deepEqual(await started(a, [`${slave.address}:10.20.30.51`]), {
    code: 0,
    out: "args=[] advertise=10.20.30.51 hostname=unresolved",
  });
});

test("a host whose address is an IPv4 address advertises it as it is", async () => {
  const byIp = { ...master, address: "10.20.30.42" };
  const ran = await started(mesosMasterContainer(cert, byIp), []);
  assert.deepEqual(ran, { code: 0, out: "args=[] advertise=10.20.30.42 hostname=unresolved" });
});

test("a host's address that resolves to a loopback address only stops the start, saying so, before Mesos runs", async () => {
  const ran = await started(mesosMasterContainer(cert, master), [`${master.address}:127.0.1.1`]);
  assert.deepEqual(ran, {
    code: 1,
    out: `no IPv4 address of ${master.address} but a loopback one, to advertise to the other hosts (LIBPROCESS_ADVERTISE_IP): give ${master.address} its address in DNS or in the host's /etc/hosts`,
  });
});
