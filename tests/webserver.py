"""A small web server on loopback that plays the evidence sites for the fetcher's tests.

Routes answer as the open internet might: a page, redirects (to itself, to loopback, to
the cloud metadata address), an error, an oversized body, a slow answer, a cookie. The
`pages` dict lets a test change what a path serves, to make a page "change".
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = (
    "<!doctype html><html><head><title>Joint statement on the bridge</title>"
    "<style>body { color: red }</style><script>var tracking = 1;</script></head>"
    "<body><nav>Menu</nav><h1>Joint statement</h1>"
    "<p>The two ministers opened the bridge on 1 October.</p></body></html>"
)


class EvidenceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages = {"/page": ("text/html; charset=utf-8", PAGE)}
        self.requests = []  # (path, headers) of every request, for assertions

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the slow route) is expected here

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the name http.server calls
        server = self.server
        server.requests.append((self.path, dict(self.headers)))
        path = self.path
        if path in server.pages:
            content_type, text = server.pages[path]
            return self._send(200, text.encode(), content_type)
        if path.startswith("/redirect?to="):
            return self._send(302, b"", headers={"Location": path.removeprefix("/redirect?to=")})
        if path == "/cookie":
            return self._send(302, b"", headers={"Set-Cookie": "session=abc", "Location": "/page"})
        if path == "/big":  # says how big it is
            return self._send(200, b"x" * 5000, "text/plain")
        if path == "/big-unannounced":  # no Content-Length: the body runs until the close
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"y" * 1000)
            return None
        if path == "/slow":
            time.sleep(3)
            return self._send(200, b"late", "text/plain")
        return self._send(404, b"<title>Not found</title>", "text/html")

    def _send(self, status, body, content_type="text/html", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in dict(headers).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def serve():
    server = EvidenceServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
