/**
 * DIRAC's configuration files (`dirac.cfg`, a Configuration Server's master file) in DIRAC's own
 * syntax: a section is its name, then its options and subsections between braces, one per line;
 * an option is `Name = value`, a list its values separated by commas.
 */

/** A section: options (text, or a list) and subsections, written in the order given. */
export interface CfgSection {
  [name: string]: string | readonly string[] | CfgSection;
}

/** Names DIRAC reads as one word: letters, digits, `_`, `-`, `.`. */
const CFG_NAME = /^[A-Za-z0-9_.-]+$/;

/** Characters a value cannot hold: a line break or a brace would end it, a comma splits a list. */
const NOT_IN_VALUE = /[\n\r{}]/;

/** The text of `section`'s contents, each line indented by `depth` levels of two spaces. */
export function renderCfg(section: CfgSection, depth = 0, path = ""): string {
  const pad = "  ".repeat(depth);
  const lines: string[] = [];
  for (const [name, value] of Object.entries(section)) {
    const at = `${path}/${name}`;
    if (!CFG_NAME.test(name))
      throw new Error(
        `DIRAC configuration ${at}: expected a name of letters, digits, '_', '-', '.'`,
      );
    if (typeof value === "string" || Array.isArray(value)) {
      lines.push(`${pad}${name} = ${optionValue(value as string | readonly string[], at)}`);
    } else {
      lines.push(`${pad}${name}`, `${pad}{`);
      const inner = renderCfg(value as CfgSection, depth + 1, at);
      if (inner !== "") lines.push(inner.replace(/\n$/, ""));
      lines.push(`${pad}}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function optionValue(value: string | readonly string[], at: string): string {
  const items = typeof value === "string" ? [value] : value;
  for (const item of items) {
    if (NOT_IN_VALUE.test(item) || (typeof value !== "string" && item.includes(",")))
      throw new Error(
        `DIRAC configuration ${at}: ${JSON.stringify(item)} cannot be written (a line break, a brace, or a comma in a list item)`,
      );
  }
  return items.join(", ");
}
