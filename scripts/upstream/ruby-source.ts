// Reading Ruby declarations out of source text: the arguments of a call written with or without
// parentheses (`config :port, :validate => :number`, `Setting::String.new("a", "b")`), which may
// run over several lines. Strings ('...' and "...") are skipped as units, `#` comments dropped.

/** The index of the quote closing the Ruby string literal that opens at `start`. */
function rubyStringEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === "\\" ? 2 : 1;
  return i;
}

/**
 * The top-level arguments of the call whose argument list starts at `start`: inside the
 * parenthesis there if it is one, else up to the end of the statement (a line end outside any
 * bracket that does not follow a comma). Each argument trimmed, comments dropped.
 */
export function rubyArguments(text: string, start: number): string[] {
  const parenthesized = text[start] === "(";
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = parenthesized ? start + 1 : start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = rubyStringEnd(text, i);
      current += text.slice(i, end + 1);
      i = end;
    } else if (c === "#" && text[i + 1] !== "{") {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else if ("([{".includes(c)) {
      depth++;
      current += c;
    } else if (")]}".includes(c)) {
      if (depth === 0 && parenthesized) break;
      depth--;
      current += c;
    } else if (c === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else if (c === "\n" && depth === 0 && !parenthesized && current.trim() !== "") break;
    else current += c;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== "");
}

/** A Ruby literal's value where it is one: a string, a symbol (`:name`), a number, a boolean, a list. */
export function rubyLiteral(text: string): string | number | boolean | string[] | undefined {
  const t = text.trim();
  if (/^"[^"#]*"$|^'[^']*'$/.test(t)) return t.slice(1, -1);
  if (/^:\w+$/.test(t)) return t.slice(1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  const words = /^%w[([]([^)\]]*)[)\]]$/.exec(t);
  if (words) return words[1].split(/\s+/).filter((w) => w !== "");
  if (t.startsWith("[") && t.endsWith("]")) {
    const items = rubyArguments(`(${t.slice(1, -1)})`, 0).map(rubyLiteral);
    if (items.every((i) => typeof i === "string")) return items as string[];
  }
  return undefined;
}

/** The `key => value` options of a call's arguments (`:validate => :number`), by key. */
export function rubyOptions(args: string[]): Record<string, string> {
  return Object.fromEntries(
    args
      .map((a) => /^:?(\w+)\s*(?:=>|:)\s*([\s\S]+)$/.exec(a))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2].trim()]),
  );
}
