// The health bridge's own pings, left out of a DIRAC service's log (images/shared/platform_log_filter.py),
// run by Python on the lines DIRAC writes: the bridge's ping and its OK response are dropped; a
// client's ping, another call over loopback, a failed bridge ping's response and every other line
// pass unchanged and in order; the relay reads its source to the end whatever the sink does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonJson } from "../support/python-json";

/** Runs `body` (Python, with `lf` = platform_log_filter and `line(...)`) and returns what it printed as JSON. */
function python(body: string): unknown {
  const program = `
import io, json, sys
import platform_log_filter as lf

def line(text):
    return ("2026-12-04T10:45:57,379645Z Configuration/Server " + text + "\\n").encode()

def kept(lines):
    f = lf.BridgePings()
    return [l.decode().split("Server ", 1)[1].rstrip("\\n") for l in lines if f.keep(l)]

print(json.dumps(${body}))
`;
  return pythonJson(program);
}

test("the bridge's ping and its OK response are dropped, for IPv4-mapped, IPv6 and IPv4 loopback peers, interleaved", () => {
  const out = python(`kept([
    line("NOTICE: Executing action ([::ffff:127.0.0.1]:41344) RPC/ping(<masked>)"),
    line("NOTICE: Executing action ([::1]:41346) RPC/ping(<masked>)"),
    line("NOTICE: Returning response ([::ffff:127.0.0.1]:41344) (0.00 secs) OK"),
    line("NOTICE: Executing action (127.0.0.1:41350) RPC/ping(<masked>)"),
    line("NOTICE: Returning response ([::1]:41346) (0.01 secs) OK"),
    line("NOTICE: Returning response (127.0.0.1:41350) (0.00 secs) OK"),
  ])`);
  assert.deepEqual(out, []);
});

test("a client's ping, another call over loopback, a failed bridge ping's response and every other line pass unchanged, in order", () => {
  const lines = [
    "INFO: Starting purge Workers thread",
    "NOTICE: Executing action ([::ffff:10.213.150.33]:32910) RPC/ping(<masked>)",
    "NOTICE: Returning response ([::ffff:10.213.150.33]:32910) (0.00 secs) OK",
    "NOTICE: Executing action ([::ffff:127.0.0.1]:41400) RPC/getCompressedDataIfNewer(<masked>)",
    "NOTICE: Returning response ([::ffff:127.0.0.1]:41400) (0.02 secs) OK",
    "NOTICE: Executing action ([::ffff:127.0.0.1]:41402) RPC/ping(<masked>)",
    "NOTICE: Returning response ([::ffff:127.0.0.1]:41402) (0.00 secs) ERROR: Cannot ping",
    "ALWAYS: Listening at dip://local-lb-lb-1:9135/Configuration/Server",
  ];
  const out = python(`kept([line(t) for t in ${JSON.stringify(lines)}])`);
  assert.deepEqual(out, [...lines.slice(0, 5), ...lines.slice(6)]);
});

test("a response on the port of another call over loopback is kept even after that port carried a bridge ping before", () => {
  const lines = [
    "NOTICE: Executing action ([::ffff:127.0.0.1]:41500) RPC/ping(<masked>)",
    "NOTICE: Executing action ([::ffff:127.0.0.1]:41500) RPC/getVersion(<masked>)",
    "NOTICE: Returning response ([::ffff:127.0.0.1]:41500) (0.00 secs) OK",
  ];
  const out = python(`kept([line(t) for t in ${JSON.stringify(lines)}])`);
  assert.deepEqual(out, lines.slice(1));
});

test("the relay copies the kept lines and reads its source to the end, also when the filter or the sink raise", () => {
  const out = python(`(lambda: (
    [(lambda src, sink: (lf.relay(src, sink, lambda l: not l.startswith(b"drop")), sink.getvalue().decode())[1])(
        io.BytesIO(b"a\\ndrop me\\nb\\nc"), io.BytesIO())]
    + [(lambda src: (lf.relay(src, type("S", (), {"write": lambda s, l: 1 / 0, "flush": lambda s: None})(),
        lambda l: True), src.tell())[1])(io.BytesIO(b"x\\ny\\nz\\n"))]
    + [(lambda src, sink: (lf.relay(src, sink, lambda l: 1 / 0), sink.getvalue().decode())[1])(
        io.BytesIO(b"p\\nq\\n"), io.BytesIO())]
  ))()`);
  assert.deepEqual(out, ["a\nb\nc", 6, "p\nq\n"]);
});
