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
  return doc.toJS();
}
