// The reader of Logstash pipeline files that the conformance test relies on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readPipeline } from "../support/logstash-pipeline";

test("pipeline reader: sections, plugins with every kind of value, nested codecs, branches flattened", () => {
  const text = `# a comment
input {
  beats { port => 5044 host => "0.0.0.0" }   # trailing
}
filter {
  if [type] == "a{b" and ![x] {
    mutate { add_field => { "k" => "v" 'q' => 2 } remove_field => ["a", 'b'] }
  } else if "t" in [tags] {
    drop { percentage => 50.5 }
  } else {
    drop { }
  }
}
output {
  file { path => "/p/%{[f]}" codec => line { format => "%{message}" } gzip => true }
}
`;
  const p = readPipeline(text);
  assert.deepEqual(
    p.plugins.map((x) => `${x.section}/${x.plugin.name}`),
    ["input/beats", "filter/mutate", "filter/drop", "filter/drop", "output/file"],
  );
  assert.deepEqual(p.conditions, ['[type] == "a{b" and ![x]', '"t" in [tags]']);
  assert.deepEqual(p.plugins[0].plugin.attributes, [
    ["port", { kind: "number", value: 5044 }],
    ["host", { kind: "string", value: "0.0.0.0" }],
  ]);
  assert.deepEqual(p.plugins[1].plugin.attributes, [
    [
      "add_field",
      {
        kind: "hash",
        value: [
          ["k", { kind: "string", value: "v" }],
          ["q", { kind: "number", value: 2 }],
        ],
      },
    ],
    [
      "remove_field",
      {
        kind: "array",
        value: [
          { kind: "string", value: "a" },
          { kind: "string", value: "b" },
        ],
      },
    ],
  ]);
  assert.deepEqual(p.plugins[4].plugin.attributes, [
    ["path", { kind: "string", value: "/p/%{[f]}" }],
    [
      "codec",
      {
        kind: "plugin",
        value: { name: "line", attributes: [["format", { kind: "string", value: "%{message}" }]] },
      },
    ],
    ["gzip", { kind: "bareword", value: "true" }],
  ]);
});

test("pipeline reader: what it cannot read stops it, naming the line", () => {
  assert.throws(() => readPipeline("inputs { }"), /"inputs" is not a section/);
  assert.throws(() => readPipeline("input {\n  beats { port 5044 }\n}"), /line 2: expected "=>"/);
  assert.throws(() => readPipeline('output {\n file { path => "x }\n}'), /expected a closing "/);
  assert.throws(() => readPipeline("filter {\n  drop {\n"), /line 3: expected a name/);
});
