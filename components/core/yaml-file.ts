import { parseDocument } from "yaml";
import { PlatformInputError } from "./errors";

/**
 * Parses YAML text; a malformed file raises an error naming the file, the line and column and
 * what the parser expected.
 */
export function parseYamlText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlatformInputError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          file,
          path: pos ? `line ${pos.line}, column ${pos.col}` : "",
          expected: `malformed YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
        };
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml package refuses a document whose aliases would expand past the limit (an alias
    // bomb) with a ReferenceError; any other failure here is not the input's.
    if (!(e instanceof ReferenceError)) throw e;
    throw new PlatformInputError([
      {
        file,
        path: "",
        expected: `YAML whose aliases (*name) expand to a bounded document; ${e.message.replace(/\.$/, "")}`,
      },
    ]);
  }
}

/** How many nodes the aliases of one document may expand to, as the yaml package counts them. */
const MAX_ALIAS_COUNT = 100;
