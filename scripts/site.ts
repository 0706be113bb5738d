// npm run site -- up|deploy|destroy|down [--stack site] [--purge]: the multi-host site of a stack on
// this machine (docs/site.md). `up`: a network namespace per host with its own Docker Engine and
// sshd, the hosts' names in /etc/hosts, a registry with the stack's images. `deploy`: `pulumi up`
// of the stack (its secrets made when missing). `destroy`: `pulumi destroy`. `down`: all stopped.
// `lose HOST`: the host cut off and its engine and containers killed; `restore HOST`: back.
// `partition HOST`: its traffic dropped in its namespace, all else running; `heal HOST`: ended.
import { resolve } from "node:path";
import { PlatformInputError } from "../components/core/errors";
import { loadPlatformFromStackFile, readStackFile } from "../components/core/stack-config";
import { siteLayout } from "./site/layout";
import { siteDeploy, siteDestroy } from "./site/deploy";
import { healHost, loseHost, partitionHost, restoreHost } from "./site/faults";
import { siteDown, siteUp } from "./site/lifecycle";

const USAGE =
  "usage: npm run site -- up|deploy|destroy|down|lose HOST|restore HOST|partition HOST|heal HOST [--stack NAME] [--purge]   (default stack: site)";
const COMMANDS = ["up", "deploy", "destroy", "down", "lose", "restore", "partition", "heal"];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const stackAt = rest.indexOf("--stack");
  const stack = stackAt >= 0 ? rest[stackAt + 1] : "site";
  if (!COMMANDS.includes(command) || stack === undefined) {
    console.error(USAGE);
    return 2;
  }
  const root = resolve(__dirname, "..");
  let site;
  try {
    const spec = loadPlatformFromStackFile(root, stack);
    const registry = String(readStackFile(root, stack).entries["lhcb-platform:registry"] ?? "");
    site = siteLayout(spec, registry);
  } catch (e) {
    // A bad stack file: one message naming the file and the path; nothing is started.
    console.error(
      `site: ${e instanceof PlatformInputError ? "invalid input:\n" : ""}${(e as Error).message}`,
    );
    return 1;
  }
  if (command === "up") await siteUp(site, root);
  else if (command === "deploy") siteDeploy(site);
  else if (command === "destroy") siteDestroy(site);
  else if (command === "lose") await loseHost(site, rest[0] ?? "");
  else if (command === "restore") await restoreHost(site, rest[0] ?? "");
  else if (command === "partition") partitionHost(site, rest[0] ?? "");
  else if (command === "heal") healHost(site, rest[0] ?? "");
  else await siteDown(site, { purge: rest.includes("--purge") });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`site: ${e.message}`);
    process.exit(1);
  },
);
