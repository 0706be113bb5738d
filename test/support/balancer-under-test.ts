// A planned load-balancer container of the local stack, under a stack name of the test's own, to
// run on this machine's Docker Engine and ask as the gates ask a balancer: Sample/Web's backend,
// a frontend inside the balancer that stands for a live instance, the Engine's endpoint.
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { GateBalancer } from "../../components/haproxy/balancer-gate";
import { frontedServices, loadBalancerContainer } from "../../components/haproxy/lb-containers";
import { PROJECT_ROOT } from "../../scripts/engine-stack";

/** Inside the balancer, a frontend of its own answers `GET /ping` with 200: a live instance. */
export const LIVE = { address: "127.0.0.1", port: 18080 };
/** This machine's Docker Engine, as a balancer's Engine endpoint. */
export const ENGINE = { host: "unix:///var/run/docker.sock" };

/** The local stack as stack `stack`, its first balancer's container, Sample/Web, and the balancer as the gates ask it. */
export function balancerUnderTest(stack: string) {
  const spec = { ...loadPlatformFromStackFile(PROJECT_ROOT, "local"), stack };
  const lb = loadBalancerContainer(spec, spec.loadBalancers[0]);
  const web = frontedServices(spec).find((s) => s.key === "sample-web")!;
  const balancer: GateBalancer = { id: "lb-1", engine: ENGINE, container: lb.name };
  return { spec, lb, web, balancer };
}

/** The lines to append to a rendering: the frontend at `LIVE` that answers 200. */
export function liveFrontend(): string {
  const live = `${LIVE.address}:${LIVE.port}`;
  return `\nfrontend live\n    mode http\n    bind ${live}\n    http-request return status 200 content-type text/plain string pong\n`;
}
