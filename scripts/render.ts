// npm run render -- STACK [DIR]: writes every file STACK would deploy into DIR (default out/STACK),
// without the Pulumi engine, so a change can be reviewed before `pulumi up`.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PlatformInputError } from "../components/core/errors";
import { readStackFile } from "../components/core/stack-config";
import { renderStack } from "../components/render";
import { loadCheckedPlatform } from "../components/stack-checks";

function main(argv: string[]): number {
  const [stack, dirArg] = argv;
  if (!stack) {
    console.error(
      "usage: npm run render -- STACK [DIR]   (STACK: local, cert, prod or any Pulumi.<stack>.yaml here)",
    );
    return 2;
  }
  const projectDir = resolve(__dirname, "..");
  const dir = resolve(dirArg ?? join(projectDir, "out", stack));
  let files;
  try {
    const { file, entries } = readStackFile(projectDir, stack);
    files = renderStack(loadCheckedPlatform(projectDir, stack, entries, file));
  } catch (e) {
    if (e instanceof PlatformInputError) {
      console.error(`render: invalid input, nothing written:\n${e.message}`);
      return 1;
    }
    throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  console.log(`render: wrote ${files.length} files for stack ${stack} to ${dir}`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
