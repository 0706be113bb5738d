"""The HTTP server of a health check, at the least CPU a check can cost.

Two balancers check every instance five times a second each, and consul-esm every two seconds:
the server's own work is most of what an idle instance costs. A thread and a full HTTP request
parser per check (the standard library's ThreadingHTTPServer) cost 0.44 ms of CPU a check,
measured in the DIRAC image. Here one thread waits on one selector for every connection: a
check is accepted, its request read until the blank line that ends its head, answered in one
write (head and body together: a checker may reset the connection once it has read the status
line) and closed.

The answer comes from `answer()`, a callable returning (healthy, reason): 200 and the reason
when healthy, 503 and the reason otherwise. It is called in the server's thread, so a slow
answer (a ping of a hung service, bounded by its own timeout) delays the checks that wait
meanwhile, which then get the answer it found. A client that sends no complete request within
`client_seconds`, or a head longer than READ_LIMIT, is closed unanswered: a stranger that
connects and says nothing holds no thread and delays no check.
"""

import selectors
import socket
import time

READ_LIMIT = 8192
CLIENT_SECONDS = 2.0


def response(status, reason):
    """The whole HTTP/1.0 response of a check: status line, headers and the reason as its body."""
    body = (reason + "\n").encode()
    phrase = {200: "OK", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
    head = (
        "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        "Connection: close\r\n\r\n" % (status, phrase, len(body))
    )
    return head.encode() + body


def reply_to(request, answer):
    """The response to one complete request head: GET is answered from `answer()`; any other
    method is refused without calling it."""
    method = request.split(b" ", 1)[0]
    if method != b"GET":
        return response(405, "only GET is answered")
    ok, reason = answer()
    return response(200 if ok else 503, reason)


def listening_socket(port, host="0.0.0.0"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class CheckServer:
    def __init__(self, sock, answer, clock=time.monotonic, client_seconds=CLIENT_SECONDS):
        self.sock = sock
        self.answer = answer
        self.clock = clock
        self.client_seconds = client_seconds
        self.selector = selectors.DefaultSelector()
        self.clients = {}  # socket -> [deadline, bytes read so far]
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ)

    def serve_forever(self):
        while True:
            self.step(0.5)

    def step(self, timeout):
        """Serves what is ready within `timeout` seconds, then closes the clients past their time."""
        for key, _ in self.selector.select(timeout):
            if key.fileobj is self.sock:
                self.accept()
            else:
                self.read(key.fileobj)
        now = self.clock()
        for conn in [c for c, (deadline, _) in self.clients.items() if deadline <= now]:
            self.close(conn)

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # out of descriptors, or the checker already left: the next select retries
            conn.setblocking(False)
            self.clients[conn] = [self.clock() + self.client_seconds, b""]
            self.selector.register(conn, selectors.EVENT_READ)

    def read(self, conn):
        try:
            chunk = conn.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.close(conn)
            return
        state = self.clients[conn]
        state[1] += chunk
        head, blank, _ = state[1].replace(b"\r\n", b"\n").partition(b"\n\n")
        if blank:
            try:
                conn.send(reply_to(head, self.answer))
            except OSError:
                pass  # the checker left: nothing to tell it
            self.close(conn)
        elif len(state[1]) > READ_LIMIT:
            self.close(conn)

    def close(self, conn):
        self.clients.pop(conn, None)
        self.selector.unregister(conn)
        conn.close()
