// The health check's HTTP server (images/shared/platform_check_server.py, the DIRAC image's
// bridge), run by Python on loopback with an answer the test gives: the exact response to a
// check, healthy or not; no answer asked for a method other than GET; a head that arrives in
// pieces; and a client that says nothing, or too much, closed unanswered without delaying the
// checks of others.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonJson } from "../support/python-json";

/**
 * Runs `body` (Python) with a server on loopback serving in a thread: `port`, `answers` (how many
 * times it asked for an answer), `state` (set `ok` and `reason` to change the answer) and
 * `check(*pieces)`, which sends the pieces (a pause between them) and returns what the server sent
 * back before it closed, as text. Prints what `body` evaluates to, as JSON.
 */
function python(body: string, clientSeconds = 2): unknown {
  const program = `
import json, socket, sys, threading, time
import platform_check_server as pcs

state = {"ok": True, "reason": "ping answered in 1.2 ms", "answers": 0}
def answer():
    state["answers"] += 1
    return state["ok"], state["reason"]

sock = pcs.listening_socket(0, "127.0.0.1")
port = sock.getsockname()[1]
server = pcs.CheckServer(sock, answer, client_seconds=${clientSeconds})
threading.Thread(target=server.serve_forever, daemon=True).start()

def connect():
    return socket.create_connection(("127.0.0.1", port), timeout=5)

def received(c):
    got = b""
    while True:
        chunk = c.recv(4096)
        if not chunk:
            return got.decode()
        got += chunk

def check(*pieces):
    c = connect()
    for i, p in enumerate(pieces):
        if i:
            time.sleep(0.05)
        c.sendall(p)
    try:
        return received(c)
    finally:
        c.close()

print(json.dumps(${body}))
`;
  return pythonJson(program, 30_000);
}

const HAPROXY_CHECK = "b'GET /ping HTTP/1.0\\r\\nHost: lb\\r\\n\\r\\n'";

test("a GET is answered in full from the answer: 200 with its reason when healthy, 503 when not", () => {
  assert.deepEqual(
    python(
      `[check(${HAPROXY_CHECK}), state.update(ok=False, reason="ping of dip://127.0.0.1:9135/Configuration/Server unanswered after 1.0s (limit 1.0s)"), check(${HAPROXY_CHECK}), state["answers"]]`,
    ),
    [
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 24\r\nConnection: close\r\n\r\nping answered in 1.2 ms\n",
      null,
      "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 85\r\nConnection: close\r\n\r\nping of dip://127.0.0.1:9135/Configuration/Server unanswered after 1.0s (limit 1.0s)\n",
      2,
    ],
  );
});

test("another method is refused without asking for an answer; a head in pieces is answered once complete", () => {
  assert.deepEqual(
    python(
      `[check(b"POST /ping HTTP/1.1\\r\\nContent-Length: 0\\r\\n\\r\\n"), state["answers"], check(b"GET /ping HT", b"TP/1.1\\r\\nHost: x\\r\\n", b"\\r\\n").split("\\r\\n")[0], state["answers"], check(b"GET / HTTP/1.0\\n\\n").split("\\r\\n")[0]]`,
    ),
    [
      "HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nConnection: close\r\n\r\nonly GET is answered\n",
      0,
      "HTTP/1.0 200 OK",
      1,
      "HTTP/1.0 200 OK",
    ],
  );
});

test("a client that says nothing is closed unanswered after its time, and delays no other check meanwhile", () => {
  const [answered, checkSeconds, silentGot, silentSeconds, answers] = python(
    `(lambda silent, t0: [check(${HAPROXY_CHECK}).split("\\r\\n")[0], time.monotonic() - t0, received(silent), time.monotonic() - t0, state["answers"]])(connect(), time.monotonic())`,
    0.6,
  ) as [string, number, string, number, number];
  assert.equal(answered, "HTTP/1.0 200 OK");
  assert.ok(checkSeconds < 0.3, `the check waited ${checkSeconds} s behind a silent client`);
  assert.equal(silentGot, "");
  assert.ok(
    silentSeconds >= 0.6 && silentSeconds < 1.5,
    `the silent client was closed after ${silentSeconds} s (its time: 0.6 s; the server looks every 0.5 s)`,
  );
  assert.equal(answers, 1);
});

test("a head longer than 8 KiB is closed unanswered", () => {
  assert.deepEqual(
    python(
      `[check(b"GET /" + b"x" * 9000), state["answers"], check(${HAPROXY_CHECK}).split("\\r\\n")[0]]`,
    ),
    ["", 0, "HTTP/1.0 200 OK"],
  );
});
