import { createRequire, findSourceMap, type SourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The source positions @pulumi/pulumi records for every resource, without formatting a stack
 * trace to get them.
 *
 * The SDK's `Resource` constructor takes `Resource.stackTrace(4)`: `Resource.callsites()` renders
 * `new Error().stack` with no frame limit (Node maps every frame through the source maps and
 * formats it as text) and parses each line back with a regular expression; the first frame past
 * the SDK's own becomes the resource's `sourcePosition`, and the whole list goes into the state.
 * At ten times the paper's scale under mocks, that was an eighth of the declaration's CPU
 * (docs/scale.md).
 *
 * `cheaperSourcePositions` gives `Resource` the same two functions computed from V8's call sites:
 * a frame whose file has a source map is mapped with Node's `findSourceMap(...).findEntry` (as
 * Node's own stack traces map it), any other frame is read from V8's own text for it, with the
 * SDK's regular expression. The frames, their files, lines and columns are the same as the SDK
 * finds (test/core/source-positions.test.ts compares them on real resources). Where something else
 * formats stack traces (an `Error.prepareStackTrace` of its own, such as source-map-support's
 * under ts-node), the SDK's own functions run, as they would have. With Node's source maps off,
 * no frame is mapped, as Node maps none.
 */

/** One frame as `Resource.callsites` gives it: empty when it has no position. */
export interface Callsite {
  file?: string;
  line?: number;
  column?: number;
}

/** One frame as `Resource.stackTrace` gives it: the file as a `file://` URI. */
export interface StackFramePosition {
  uri: string;
  line: number;
  column: number;
}

/** What this module replaces on @pulumi/pulumi's `Resource` (static methods, no types of their own). */
interface SdkResourceStatics {
  callsites?: () => Callsite[];
  stackTrace?: (skip: number) => (StackFramePosition | undefined)[];
  framePositionRegExp?: RegExp;
}

/** Marks the functions this module installed. */
const CHEAPER = Symbol.for("lhcb-platform.cheaperSourcePositions");

/** A file's source map, or null when it has none; looked up once per file. */
const sourceMaps = new Map<string, SourceMap | null>();
/** A file's `file://` URI; computed once per file. */
const fileUris = new Map<string, string>();

function sourceMapOf(file: string): SourceMap | null {
  let map = sourceMaps.get(file);
  if (map === undefined) {
    map = findSourceMap(file) ?? null;
    sourceMaps.set(file, map);
  }
  return map;
}

function fileUriOf(file: string): string {
  let uri = fileUris.get(file);
  if (uri === undefined) {
    uri = pathToFileURL(file).toString();
    fileUris.set(file, uri);
  }
  return uri;
}

/**
 * Whether Node formats stack traces: `Error.prepareStackTrace` is unset or Node's own (Node 22
 * exposes it as `ErrorPrepareStackTrace`), not another's such as source-map-support's.
 */
function nodeFormatsStackTraces(): boolean {
  const prepare = Error.prepareStackTrace;
  return prepare === undefined || prepare.name === "ErrorPrepareStackTrace";
}

/** V8's call sites of the caller's stack, every frame (the caller's own first). */
function callSitesOfCaller(): NodeJS.CallSite[] {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = Number.POSITIVE_INFINITY;
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callSitesOfCaller);
    return holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** A mapped frame's position, as Node prints it: the original file (a path for a `file://` source), line and column. */
function mappedPosition(map: SourceMap, site: NodeJS.CallSite): Callsite | undefined {
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (line === null || column === null) return undefined;
  const entry = map.findEntry(line - 1, column - 1) as Partial<{
    originalSource: string;
    originalLine: number;
    originalColumn: number;
  }>;
  const { originalSource, originalLine, originalColumn } = entry;
  if (!originalSource || originalLine === undefined || originalColumn === undefined)
    return undefined;
  const file = originalSource.startsWith("file://")
    ? fileURLToPath(originalSource)
    : originalSource;
  return { file, line: originalLine + 1, column: originalColumn + 1 };
}

/**
 * One frame's position as the SDK parses it from a stack trace's line (none for `node:` files):
 * mapped through its file's source map when `mapped` (Node's source maps are on).
 */
function positionOf(site: NodeJS.CallSite, framePosition: RegExp, mapped: boolean): Callsite {
  const fileName = mapped ? site.getFileName() : undefined;
  const map = fileName ? sourceMapOf(fileName) : null;
  const original = map ? mappedPosition(map, site) : undefined;
  if (original) return original.file!.startsWith("node:") ? {} : original;
  const groups = framePosition.exec(`    at ${String(site)}`)?.groups;
  const file = groups?.file;
  if (!file || file.startsWith("node:")) return {};
  const line = parseInt(groups.line!, 10);
  const column = parseInt(groups.column!, 10);
  return Number.isNaN(line) || Number.isNaN(column) ? {} : { file, line, column };
}

/**
 * Gives @pulumi/pulumi's `Resource` the cheaper `callsites` and `stackTrace` (above). Idempotent;
 * returns whether they are installed (false when the SDK no longer has the functions or the
 * regular expression they rest on).
 */
export function cheaperSourcePositions(): boolean {
  const sdk = createRequire(__filename)("@pulumi/pulumi/resource") as {
    Resource: SdkResourceStatics;
  };
  const resource = sdk.Resource;
  const framePosition = resource.framePositionRegExp;
  if (
    typeof resource.callsites !== "function" ||
    typeof resource.stackTrace !== "function" ||
    !(framePosition instanceof RegExp)
  )
    return false;
  if (CHEAPER in resource.callsites) return true;
  const sdkCallsites = resource.callsites;
  const callsites = function callsites(): Callsite[] {
    // The SDK's own, less its own frame: the first is then this function's, as it would have been.
    if (!nodeFormatsStackTraces()) return sdkCallsites().slice(1);
    const mapped = process.sourceMapsEnabled;
    return callSitesOfCaller().map((site) => positionOf(site, framePosition, mapped));
  };
  const stackTrace = (skip: number): (StackFramePosition | undefined)[] => {
    const stack = resource.callsites!();
    if (stack.length < skip + 1) return [];
    return stack
      .slice(skip + 1)
      .map(({ file, line, column }) =>
        file && line && column ? { uri: fileUriOf(file), line, column } : undefined,
      );
  };
  Object.defineProperty(callsites, CHEAPER, { value: true });
  resource.callsites = callsites;
  resource.stackTrace = stackTrace;
  return true;
}
