// What an instance runs between its deregistration and its container's stop (its drain). Apart
// from service-containers.ts, which the balancers' configuration reads, since it asks the
// balancers (haproxy/balancer-gate.ts).
import { ServicesSpec, PlacedService } from "../core/platform-spec";
import { DRAIN_COMMAND, DRAIN_TAIL_SECONDS } from "../core/readiness";
import { isDiracEntry } from "../dirac/dirac-plan";
import { DRAIN_GATE_COMMAND } from "../haproxy/balancer-gate";

/**
 * What runs between an instance's deregistration and its container's stop. Where the balancers
 * are known (`gated`), a wait until none has the instance in service any more
 * (`DRAIN_GATE_COMMAND`), then, for an image that may stop at once, `DRAIN_TAIL_SECONDS` for
 * the calls still under way; a DIRAC service drains those itself once its container is told to
 * stop (dirac-platform waits until no balancer has sent it a call or a check for 1 s,
 * docs/dirac.md). Without them, a fixed wait (`DRAIN_COMMAND`) for any image but DIRAC's, and
 * nothing for DIRAC's.
 */
export function instanceDrain(
  spec: ServicesSpec,
  service: PlacedService,
  gated: boolean,
): string | undefined {
  const drainsItself = isDiracEntry(spec, service);
  if (!gated) return drainsItself ? undefined : DRAIN_COMMAND;
  return drainsItself ? DRAIN_GATE_COMMAND : `${DRAIN_GATE_COMMAND}; sleep ${DRAIN_TAIL_SECONDS}`;
}
