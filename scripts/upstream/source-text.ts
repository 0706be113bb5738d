// Reading calls out of Scala, C++ and Go source text: the arguments of a call, and their top-level
// split. String literals ("...", and Go's raw `...`) are skipped as units; `//` comments are dropped.

/** The text between the parenthesis at `open` and its matching close. */
export function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "`") i = stringEnd(text, i);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced parentheses from offset ${open}`);
}

/** The index of the quote closing the string literal that opens at `start` (`"`, or a raw `` ` ``). */
export function stringEnd(text: string, start: number): number {
  if (text[start] === "`") {
    const end = text.indexOf("`", start + 1);
    return end < 0 ? text.length : end;
  }
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i;
}

/** The top-level, comma-separated arguments of a call's argument text, trimmed, comments dropped. */
export function topLevelArguments(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '"' || c === "`") {
      const end = stringEnd(args, i);
      current += args.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === "/" && args[i + 1] === "/") {
      while (i < args.length && args[i] !== "\n") i++;
      continue;
    }
    if ("([{".includes(c)) depth++;
    if (")]}".includes(c)) depth--;
    if (c === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += c;
  }
  parts.push(current.trim());
  return parts;
}
