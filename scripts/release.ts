// npm run release -- VERSION [STACK]: the paper's single script. Builds release VERSION of the
// image the stack's services run (`releaseKindOf`): the DIRAC platform image
// (lhcb-platform/dirac:<DIRAC version>-VERSION) on a stack that runs DIRAC, the platform's own
// service image (lhcb-platform/service:VERSION) on one whose services run that (cert, prod and
// the site today); a stack whose services run another image is refused.
// Publishes it to the stack's registry where the stack names one (`registry`: each host's Engine
// pulls it from there, by the digest it got there), then rolls it out on STACK (default local) in
// one `pulumi up`: on the
// local stack every new instance starts beside the old one and is registered once healthy, and
// only then are the old ones deregistered, drained and stopped; at a site one instance of a
// service at a time (every service in parallel, so each keeps its other instances serving), each
// drained before it stops and sent traffic only once healthy, the next one starting only once
// every balancer serves it again (ServiceInstances' served step). The agents on the image follow in the same run. Prints
// each step as it goes. On a stack without a registry, a VERSION its containers run, built again
// as another image, is refused (scripts/same-tag-rebuild.ts).
import { ConsulCredentials, consulHttp } from "../components/consul/consul-http";
import { registryHostOf, withoutRegistryHost } from "../components/core/images";
import { physicalName } from "../components/core/naming";
import { taskRolloutGoals, waitTaskRollout } from "./marathon-rollout";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigMap, EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { openExistingStack, PROJECT_ROOT } from "./engine-stack";
import { publishImage, RegistryCredentials } from "./publish-image";
import { localImageId, refuseSameTagRebuild } from "./same-tag-rebuild";

/** One instance's replacement, as the engine reported it: seconds since the rollout began. */
export interface InstanceReplacement {
  /** Logical name of the instance's container. */
  instance: string;
  /** Drain began (its registration deleted). */
  drained: number;
  /** Serving again (its new registration created). */
  serving: number;
}

/** Engine events → each instance's replacement window, keyed by the instance's container name. */
export class RolloutTimeline {
  /** `t0`: what the seconds count from (ms since the epoch; default now). */
  constructor(private readonly t0 = Date.now()) {}
  private readonly windows = new Map<string, { drained?: number; serving?: number }>();

  /** Call with every engine event of the `up`. */
  public readonly onEvent = (e: EngineEvent): void => {
    const pre = e.resourcePreEvent?.metadata;
    const done = e.resOutputsEvent?.metadata;
    const now = (Date.now() - this.t0) / 1000;
    if (pre?.op === "delete-replaced" && isRegistration(pre.urn))
      this.window(pre.urn).drained ??= now;
    if (done?.op === "create-replacement" && isRegistration(done.urn))
      this.window(done.urn).serving = now;
  };

  /** The instances replaced so far, in the order their drain began. */
  public replacements(): InstanceReplacement[] {
    return [...this.windows.entries()]
      .filter(([, w]) => w.drained !== undefined && w.serving !== undefined)
      .map(([instance, w]) => ({ instance, drained: w.drained!, serving: w.serving! }))
      .sort((a, b) => a.drained - b.drained);
  }

  private window(registrationUrn: string) {
    const instance = registrationUrn
      .split("::")
      .pop()!
      .replace(/-registration$/, "");
    let w = this.windows.get(instance);
    if (w === undefined) this.windows.set(instance, (w = {}));
    return w;
  }
}

function isRegistration(urn: string): boolean {
  return urn.endsWith("-registration");
}

/** The DIRAC version images/dirac/requirements.txt pins: the platform image's own version. */
export function pinnedDiracVersion(): string {
  const pins = readFileSync(join(PROJECT_ROOT, "images", "dirac", "requirements.txt"), "utf8");
  const version = /^dirac==(\S+) /m.exec(pins)?.[1];
  if (version === undefined) throw new Error("images/dirac/requirements.txt pins no dirac version");
  return version;
}

/** An image the release builds: its repository, its name for a release, how it is built. */
export interface ReleaseKind {
  /** `lhcb-platform/dirac` or `lhcb-platform/service`. */
  repository: string;
  /** The image of release `release`. */
  image(release: string): string;
  /** What scripts/docker/build-images.sh is given (besides `--no-dockerd`) to build it. */
  buildArgs(release: string): string[];
}

/**
 * The DIRAC platform image (images/dirac), on a stack that runs DIRAC: the same pinned DIRAC
 * under a tag of its own, `lhcb-platform/dirac:<DIRAC version>-<release>`.
 */
export const DIRAC_RELEASE: ReleaseKind = {
  repository: "lhcb-platform/dirac",
  image: (release) => `lhcb-platform/dirac:${pinnedDiracVersion()}-${release}`,
  buildArgs: (release) => ["--release", release, "dirac"],
};

/**
 * The platform's own service image (images/service), on a stack whose services run it:
 * `lhcb-platform/service:<release>`, its `PLATFORM_VERSION` the release (each instance reports it).
 */
export const SERVICE_RELEASE: ReleaseKind = {
  repository: "lhcb-platform/service",
  image: (release) => `lhcb-platform/service:${release}`,
  buildArgs: (release) => ["--service-version", release, "service"],
};

/** The image of release `release` (of the DIRAC platform image unless `kind` says another). */
export function releaseImage(release: string, kind: ReleaseKind = DIRAC_RELEASE): string {
  return kind.image(release);
}

/**
 * Builds release `release` of `kind`'s image (every layer but the last few comes from the cache);
 * returns the image.
 */
export function buildReleaseImage(release: string, kind: ReleaseKind = DIRAC_RELEASE): string {
  execFileSync("scripts/docker/build-images.sh", ["--no-dockerd", ...kind.buildArgs(release)], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
  });
  return kind.image(release);
}

/** A container as the stack's state records it. */
export interface StateContainer {
  urn: string;
  inputs?: { image?: string; labels?: { label: string; value: string }[] };
}

/** A resource as the stack's state records it, as far as the release reads it. */
type StateResource = StateContainer & { type?: string; inputs?: { stdin?: string } };

/** Every resource of `stack`'s state. */
async function stateResources(stack: Stack): Promise<StateResource[]> {
  return (
    ((await stack.exportStack()).deployment as { resources?: StateResource[] }).resources ?? []
  );
}

/** The containers of `stack`'s state labelled `platform.component` `component`. */
export async function containersInState(
  stack: Stack,
  component: string,
): Promise<StateContainer[]> {
  return (await stateResources(stack)).filter(
    (r) =>
      r.type === "docker:index/container:Container" &&
      (r.inputs?.labels ?? []).some(
        (l) => l.label === "platform.component" && l.value === component,
      ),
  );
}

/**
 * The JSON of every Marathon app the stack's state holds (`MarathonApps`' submissions: the app
 * Marathon was given, in the command's standard input).
 */
export async function marathonAppsInState(stack: Stack): Promise<string[]> {
  return (await stateResources(stack))
    .filter(
      (r) =>
        r.type === "command:local:Command" &&
        r.urn.includes("lhcb-platform:marathon:MarathonApps$command:local:Command::") &&
        typeof r.inputs?.stdin === "string",
    )
    .map((r) => r.inputs!.stdin!);
}

/** The value of a container's label `label`, as the stack's state records it. */
function labelOf(c: StateContainer, label: string): string | undefined {
  return c.inputs?.labels?.find((l) => l.label === label)?.value;
}

/** The images of the service instances' containers, as the stack's state records them. */
export async function deployedServiceImages(stack: Stack): Promise<string[]> {
  return (await containersInState(stack, "service")).map((r) => r.inputs!.image ?? "");
}

/**
 * Where Consul is, and how to ask it (the token where its ACLs are on, the CA where its TLS is);
 * `failedNodes`: the instances' nodes of the failed hosts, whose checks fail while they are down.
 */
interface ConsulReader extends ConsulCredentials {
  api: string;
  failedNodes: string[];
}

async function consulPassing(consul: ConsulReader): Promise<{ total: number; passing: number }> {
  const res = await consulHttp(`${consul.api}/v1/health/state/any`, {
    token: consul.token,
    caCert: consul.caCert,
    timeoutMs: 3000,
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return instanceChecks(JSON.parse(res.body) as ConsulCheck[], consul.failedNodes);
}

/** A check as Consul's `/v1/health/state/any` lists it. */
export interface ConsulCheck {
  Node: string;
  ServiceID: string;
  Status: string;
}

/**
 * The instances' checks, those on their external nodes (`<stack>-<host>-instances`,
 * instanceNodeName), but the nodes of failed hosts (`failedNodes`): how many, and how many pass.
 */
export function instanceChecks(
  checks: readonly ConsulCheck[],
  failedNodes: readonly string[],
): { total: number; passing: number } {
  const instances = checks.filter(
    (c) => c.ServiceID !== "" && c.Node.endsWith("-instances") && !failedNodes.includes(c.Node),
  );
  return {
    total: instances.length,
    passing: instances.filter((c) => c.Status === "passing").length,
  };
}

/**
 * How long Marathon's upgrade of the marathon-mode services may take after the up: one instance
 * at a time, each pulled, started and healthy before the next (the paper: "in the order of a
 * minute").
 */
const TASK_ROLLOUT_TIMEOUT_S = 600;

async function waitAllPassing(
  consul: ConsulReader,
  expected: number,
  timeoutS: number,
): Promise<void> {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await consulPassing(consul).catch(() => ({ total: -1, passing: -1 }));
    if (s.total === expected && s.passing === expected) return;
    if (Date.now() > end)
      throw new Error(
        `Consul shows ${s.passing} of ${s.total} instance checks passing, expected ${expected}, after ${timeoutS}s`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Engine events as progress lines: each replace, create or delete step as it starts and ends, with its seconds. */
export function stepProgress(log: (m: string) => void): (e: EngineEvent) => void {
  const started = new Map<string, number>();
  const label = (urn: string, op: string) => `${op} ${urn.split("::").pop()}`;
  return (e) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same") {
      started.set(`${pre.urn} ${pre.op}`, Date.now());
      log(`  ${label(pre.urn, pre.op)}`);
    }
    const done = e.resOutputsEvent?.metadata;
    const t0 = done && started.get(`${done.urn} ${done.op}`);
    if (done && t0 !== undefined)
      log(`  ${label(done.urn, done.op)}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };
}

/** What a rollout did: its seconds in all, and each instance's replacement (seconds since `startedAt`). */
export interface Rollout {
  seconds: number;
  replacements: InstanceReplacement[];
}

/**
 * Rolls the stack onto `image` in one `pulumi up`, as ServiceInstances declares the instances:
 * on the local stack each new one beside the old one, which leaves once the new ones are
 * registered; at a site one at a time per service, every service in parallel (drained, stopped,
 * started, healthy, registered, then the next). The agents follow in the same run. Waits until
 * Consul shows every instance passing again. Times count from `startedAt` (default: now), the
 * start of the release command.
 */
export async function rollOut(
  stack: Stack,
  image: string,
  log: (m: string) => void,
  startedAt = Date.now(),
): Promise<Rollout> {
  const previous = serviceImageOf(await stack.getAllConfig());
  await stack.setConfig("lhcb-platform:images.service", { value: image }, true);
  const outputs = await stack.outputs();
  // The instances on failed hosts stay as deployed (failedHosts) and fail their checks meanwhile.
  const failedHosts = (outputs.failedHosts?.value as string[] | undefined) ?? [];
  const consul: ConsulReader = {
    api: String(outputs.consulApi?.value ?? ""),
    token: outputs.consulManagementToken?.value as string | undefined,
    caCert: outputs.consulCaCertificate?.value as string | undefined,
    failedNodes: failedHosts.map((host) => physicalName(stack.name, host, "instances")),
  };
  const timeline = new RolloutTimeline(startedAt);
  const progress = stepProgress(log);
  const failed = (why: string) =>
    new Error(
      `the rollout's up ${why}. Pulumi.${stack.name}.yaml's lhcb-platform:images.service now names ${image}${previous === undefined ? "" : ` (it named ${previous})`}: \`pulumi up --stack ${stack.name}\` tries the rollout again${previous === undefined ? "" : `; set it back and \`pulumi up\` to return to the release before`}`,
    );
  const r = await stack
    .up({ color: "never", onEvent: (e) => (timeline.onEvent(e), progress(e)) })
    .catch((e: unknown) => {
      throw failed(`failed (${e instanceof Error ? lastLines(e.message) : String(e)})`);
    });
  if (r.summary.result !== "succeeded") throw failed(`ended ${r.summary.result}`);
  // Counted once the up is done: a catalog changed since the last up changes the count.
  const instances = (await containersInState(stack, "service")).filter(
    (c) => !failedHosts.includes(labelOf(c, "platform.host") ?? ""),
  ).length;
  if (consul.api !== "") await waitAllPassing(consul, instances, 60);
  // The marathon-mode services: Marathon took the new apps during the up, and upgrades their
  // tasks one at a time after it; done once Consul shows them all on the new image.
  const goals = taskRolloutGoals(await marathonAppsInState(stack));
  if (consul.api !== "" && goals.length > 0) {
    log(`waiting for Marathon's upgrade of ${goals.length} service(s)`);
    await waitTaskRollout(consul.api, consul, goals, log, { timeoutS: TASK_ROLLOUT_TIMEOUT_S });
  }
  return { seconds: (Date.now() - startedAt) / 1000, replacements: timeline.replacements() };
}

/**
 * What the release builds for stack `stackName` (its config `config`): the DIRAC platform image
 * where it runs DIRAC (`lhcb-platform:dirac`); the platform's service image where its services
 * run that (`lhcb-platform:images.service` unset, or naming `lhcb-platform/service` under any tag
 * or digest; behind any registry host on a stack with a `registry`, which the plan puts in that
 * host's place, and behind Docker Hub's, which Docker takes as none). Throws for a stack whose
 * services run another image: the release would replace it with one that serves none of them.
 */
export function releaseKindOf(stackName: string, config: ConfigMap): ReleaseKind {
  if (config["lhcb-platform:dirac"] !== undefined) return DIRAC_RELEASE;
  const image = serviceImageOf(config);
  const named =
    image !== undefined && (stackRegistry(config) || onDockerHub(image))
      ? withoutRegistryHost(image)
      : image;
  if (named === undefined || repositoryOf(named) === SERVICE_RELEASE.repository)
    return SERVICE_RELEASE;
  if (repositoryOf(withoutRegistryHost(named)) === SERVICE_RELEASE.repository)
    throw new Error(
      `stack ${stackName}'s services run ${named} (lhcb-platform:images.service in Pulumi.${stackName}.yaml), from a registry the stack does not name: the release publishes to lhcb-platform:registry, so set that to the registry, or name the image ${withoutRegistryHost(named)}`,
    );
  throw new Error(
    `stack ${stackName}'s services run ${image} (lhcb-platform:images.service in Pulumi.${stackName}.yaml), which this release does not build: it builds ${DIRAC_RELEASE.repository} for a stack that sets lhcb-platform:dirac and ${SERVICE_RELEASE.repository} for one whose services run it`,
  );
}

/** Whether `image` names Docker Hub's host, which Docker takes as no host at all. */
function onDockerHub(image: string): boolean {
  return /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//.test(image);
}

/** An image's repository: `name:tag@sha256:...`, `name:tag` or `name` → `name`. */
function repositoryOf(image: string): string {
  const name = image.split("@")[0];
  const tag = name.lastIndexOf(":");
  return tag > name.lastIndexOf("/") ? name.slice(0, tag) : name;
}

/** The last lines of an engine's error, where it says what failed. */
function lastLines(message: string): string {
  return message.trim().split("\n").slice(-5).join(" / ");
}

/** The stack's `images.service` as its config holds it; undefined where it sets none. */
function serviceImageOf(config: ConfigMap): string | undefined {
  const images = config["lhcb-platform:images"]?.value;
  return images === undefined ? undefined : (JSON.parse(images) as { service?: string }).service;
}

/** The stack's `registry` prefix, where its hosts pull their images from; none on the local stack. */
export function stackRegistry(config: ConfigMap): string | undefined {
  const value = config["lhcb-platform:registry"]?.value;
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The login the stack's hosts pull with (`registryUser` at its registry's host, the secret
 * `registryPassword`), which the release publishes with; undefined where it names none (the
 * machine's own logins are used). Throws, before anything is built, where the stack's `up`
 * would refuse the login: no registry host, no password, or one in plain text.
 */
export function stackRegistryLogin(
  stackName: string,
  config: ConfigMap,
): RegistryCredentials | undefined {
  const username = config["lhcb-platform:registryUser"]?.value;
  if (username === undefined) return undefined;
  const file = `Pulumi.${stackName}.yaml`;
  const address = registryHostOf(stackRegistry(config) ?? "");
  if (address === undefined)
    throw new Error(
      `stack ${stackName} names lhcb-platform:registryUser without a registry host to log in to: expected lhcb-platform:registry in ${file} to name one (registry.example.org[:port][/path])`,
    );
  const password = config["lhcb-platform:registryPassword"];
  if (password?.value === undefined || !password.secret)
    throw new Error(
      `stack ${stackName} names lhcb-platform:registryUser without ${password === undefined ? "a" : "an encrypted"} lhcb-platform:registryPassword in ${file}: \`pulumi config set --secret lhcb-platform:registryPassword --stack ${stackName}\``,
    );
  return { address, username, password: password.value };
}

async function main(version: string | undefined, stackName: string): Promise<number> {
  if (!version || !/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(version)) {
    console.error(
      "usage: npm run release -- VERSION [STACK]   (VERSION: a Docker tag, e.g. 1.0.1)",
    );
    return 2;
  }
  const started = Date.now();
  const log = (m: string) =>
    console.log(`release: ${m} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  const stack = await openExistingStack(stackName);
  const config = await stack.getAllConfig();
  const kind = releaseKindOf(stackName, config);
  const registry = stackRegistry(config);
  const login = stackRegistryLogin(stackName, config);
  const before = localImageId(kind.image(version));
  log(`building ${kind.image(version)}`);
  let image = buildReleaseImage(version, kind);
  if (registry === undefined) refuseSameTagRebuild(stackName, image, before);
  else {
    log(`publishing ${image} to ${registry}`);
    const published = publishImage(image, registry, login);
    log(`published ${published.published}`);
    image = published.pinned;
  }
  const r = await rollOut(stack, image, log, started);
  for (const i of r.replacements)
    log(
      `${i.instance}: drained at ${i.drained.toFixed(1)}s, serving again at ${i.serving.toFixed(1)}s`,
    );
  log(
    `rolled out ${version} on ${stackName}: ${r.replacements.length} instance(s) replaced in ${r.seconds.toFixed(1)}s`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv[2], process.argv[3] ?? "local").then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`release: failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
