// A reader of Logstash pipeline files (the grammar of its config language, enough of it for what a
// platform writes): sections, plugin blocks with their `name => value` attributes, nested plugins
// (a codec), and `if`/`else if`/`else` branches, whose conditions are kept as text. It throws on
// anything it cannot read, naming where.

export type PipelineValue =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "bareword"; value: string }
  | { kind: "array"; value: PipelineValue[] }
  | { kind: "hash"; value: [string, PipelineValue][] }
  | { kind: "plugin"; value: PipelinePlugin };

export interface PipelinePlugin {
  name: string;
  attributes: [string, PipelineValue][];
}

/** Every plugin of a pipeline by its section (`input`, `filter`, `output`), branches flattened. */
export interface Pipeline {
  plugins: { section: string; plugin: PipelinePlugin }[];
  conditions: string[];
}

class Reader {
  private i = 0;
  constructor(private readonly text: string) {}

  private fail(what: string): never {
    const line = this.text.slice(0, this.i).split("\n").length;
    throw new Error(`pipeline line ${line}: expected ${what}`);
  }

  skip(): void {
    for (;;) {
      while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
      if (this.text[this.i] !== "#") return;
      while (this.i < this.text.length && this.text[this.i] !== "\n") this.i++;
    }
  }

  atEnd(): boolean {
    this.skip();
    return this.i >= this.text.length;
  }

  peek(s: string): boolean {
    this.skip();
    return this.text.startsWith(s, this.i);
  }

  expect(s: string): void {
    if (!this.peek(s)) this.fail(`"${s}"`);
    this.i += s.length;
  }

  name(): string {
    this.skip();
    const m = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.i));
    if (!m) this.fail("a name");
    this.i += m[0].length;
    return m[0];
  }

  string(): string {
    const quote = this.text[this.i];
    let out = "";
    for (this.i++; this.i < this.text.length && this.text[this.i] !== quote; this.i++)
      out += this.text[this.i] === "\\" ? this.text[++this.i] : this.text[this.i];
    if (this.i >= this.text.length) this.fail(`a closing ${quote}`);
    this.i++;
    return out;
  }

  value(): PipelineValue {
    this.skip();
    const c = this.text[this.i];
    if (c === '"' || c === "'") return { kind: "string", value: this.string() };
    const number = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.i));
    if (number) {
      this.i += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    if (c === "[") {
      this.i++;
      const items: PipelineValue[] = [];
      while (!this.peek("]")) {
        items.push(this.value());
        if (this.peek(",")) this.expect(",");
      }
      this.expect("]");
      return { kind: "array", value: items };
    }
    if (c === "{") {
      this.i++;
      const entries: [string, PipelineValue][] = [];
      while (!this.peek("}")) {
        this.skip();
        const key = /["']/.test(this.text[this.i]) ? this.string() : this.name();
        this.expect("=>");
        entries.push([key, this.value()]);
      }
      this.expect("}");
      return { kind: "hash", value: entries };
    }
    const word = this.name();
    if (this.peek("{")) return { kind: "plugin", value: this.pluginBody(word) };
    return { kind: "bareword", value: word };
  }

  pluginBody(name: string): PipelinePlugin {
    this.expect("{");
    const attributes: [string, PipelineValue][] = [];
    while (!this.peek("}")) {
      const key = this.name();
      this.expect("=>");
      attributes.push([key, this.value()]);
    }
    this.expect("}");
    return { name, attributes };
  }

  /** Text up to the `{` that opens a branch's block, outside strings and brackets. */
  condition(): string {
    this.skip();
    const start = this.i;
    let depth = 0;
    for (; this.i < this.text.length; this.i++) {
      const c = this.text[this.i];
      if (c === '"' || c === "'") {
        this.string();
        this.i--;
      } else if (c === "[" || c === "(") depth++;
      else if (c === "]" || c === ")") depth--;
      else if (c === "{" && depth === 0) return this.text.slice(start, this.i).trim();
    }
    return this.fail("a block after the condition");
  }

  block(section: string, out: Pipeline): void {
    this.expect("{");
    while (!this.peek("}")) {
      const word = this.name();
      if (word === "if") {
        out.conditions.push(this.condition());
        this.block(section, out);
        while (this.peek("else")) {
          this.expect("else");
          if (this.peek("if")) {
            this.expect("if");
            out.conditions.push(this.condition());
          }
          this.block(section, out);
        }
      } else out.plugins.push({ section, plugin: this.pluginBody(word) });
    }
    this.expect("}");
  }
}

/** The plugins and conditions of a pipeline file. */
export function readPipeline(text: string): Pipeline {
  const r = new Reader(text);
  const out: Pipeline = { plugins: [], conditions: [] };
  while (!r.atEnd()) {
    const section = r.name();
    if (!["input", "filter", "output"].includes(section))
      throw new Error(`pipeline: "${section}" is not a section (input, filter, output)`);
    r.block(section, out);
  }
  return out;
}
