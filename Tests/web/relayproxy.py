"""A small HTTPS front for the real `sealrelayd`, for tests that need the relay to answer
what an honest relay does not (a changed receipt: a relay that lies), or proof of work
(docs/API.md "Proof of work") judged by an implementation independent of the relay's.

The browser talks to the proxy as it would to the relay (same certificate, so the same
trust; its own port, so its own origin); the proxy passes every request on to the real
relay over TLS and every answer back, headers included (the CSP stays the relay's), except
where a test asked otherwise. Every request is logged as (method, path, headers).

`PowGate` is an independent implementation of the relay side of the proof of work: the
challenge format, the stateless MAC check, expiry, the spent set and the PBKDF2 check with
Python's hashlib, so the page's solutions are judged by code that shares nothing with it.
"""
import base64
import hashlib
import hmac
import http.client
import json
import math
import os
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
              "content-length", "host"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text or any(c not in
                                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def leading_zero_bits(data: bytes) -> int:
    n = 0
    for b in data:
        if b == 0:
            n += 8
            continue
        return n + 8 - b.bit_length()
    return n


def pow_digest(challenge: bytes, nonce: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", nonce, b"sealrelay pow v1" + challenge, 1000, 32)


def solve_relay_pow(port: int, context: ssl.SSLContext) -> str:
    """A Seal-PoW token for the real relay's current challenge, solved with hashlib."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
    try:
        conn.request("GET", "/v1/pow")
        offer = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    challenge = b64url_decode(offer["challenge"])
    for n in range(1 << 40):
        nonce = n.to_bytes(8, "big")
        if leading_zero_bits(pow_digest(challenge, nonce)) >= offer["bits"]:
            return f"{offer['challenge']}.{b64url(nonce)}"
    raise AssertionError("no solution")


class PowGate:
    """The relay's side of docs/API.md "Proof of work". challenge = 0x01 || u32 expiry (Unix minutes) ||
    u8 bits || 16 random bytes || HMAC-SHA256(key, all before)[:16]. A test may shorten the
    lifetime below a minute: the gate then also remembers each challenge's exact expiry."""

    def __init__(self, bits: int, lifetime: float = 600):
        self.bits = bits
        self.lifetime = lifetime
        self.key = os.urandom(32)
        self.spent = set()
        self.exact_expiry = {}
        self.verdicts = []  # (token, verdict) for every token presented
        self.lock = threading.Lock()

    def rotate_key(self):
        """As when the relay's key is replaced: every challenge issued so far stops verifying."""
        self.key = os.urandom(32)

    def challenge(self) -> dict:
        now = time.time()
        minutes = math.ceil((now + self.lifetime) / 60)
        # The expiry is rounded up to the minute, except for the short lifetimes of tests.
        expiry = minutes * 60 if self.lifetime >= 60 else now + self.lifetime
        body = b"\x01" + struct.pack(">IB", minutes, self.bits) + os.urandom(16)
        c = body + hmac.new(self.key, body, hashlib.sha256).digest()[:16]
        with self.lock:
            self.exact_expiry[c] = expiry
        return {"v": 1, "challenge": b64url(c), "bits": self.bits, "expires_in": max(1, round(expiry - now))}

    def verdict(self, token) -> str:
        """"ok", or why the token is refused (checked in the order docs/API.md "Proof of work" gives)."""
        if not token:
            return "missing"
        try:
            c_text, n_text = token.split(".")
            c, nonce = b64url_decode(c_text), b64url_decode(n_text)
        except ValueError:
            return "malformed"
        if len(c) != 38 or c[0] != 1 or len(nonce) != 8:
            return "malformed"
        if not hmac.compare_digest(hmac.new(self.key, c[:22], hashlib.sha256).digest()[:16], c[22:]):
            return "forged"
        minutes, bits = struct.unpack(">IB", c[1:6])
        with self.lock:
            expiry = self.exact_expiry.get(c, minutes * 60)
            if time.time() > expiry:
                return "expired"
            if c in self.spent:
                return "reused"
            self.spent.add(c)
        if leading_zero_bits(pow_digest(c, nonce)) < bits:
            return "underworked"
        return "ok"

    def check(self, token) -> str:
        v = self.verdict(token)
        with self.lock:
            self.verdicts.append((token, v))
        return v

    def refusal(self) -> tuple:
        body = {"code": "pow_required", "error": "a proof of work is required", "pow": self.challenge()}
        return 403, {"Content-Type": "application/json"}, json.dumps(body).encode()


class RelayProxy:
    """Serves https://127.0.0.1:PORT in front of world's relay.

    intercept(method, path, headers, body) -> (status, headers, body) or None (pass on).
    rewrite(method, path, status, headers, body) -> (status, headers, body), for answers.
    """

    def __init__(self, world, intercept=None, rewrite=None, pays_upstream=False):
        self.world = world
        self.intercept = intercept
        self.rewrite = rewrite
        # When the proxy judges proof of work itself, the page's token is for the proxy's
        # gate; the real relay behind it asks for its own, which the proxy then pays.
        self.pays_upstream = pays_upstream
        self.log = []
        self.lock = threading.Lock()
        self.upstream = ssl.create_default_context(cafile=str(world.cert))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.load_cert_chain(str(world.cert), str(world.cert.parent / "key.pem"))
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, answer = proxy.handle(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.base = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, method, path, headers, body):
        with self.lock:
            self.log.append((method, path, {k.lower(): v for k, v in headers.items()}))
        if self.intercept:
            answer = self.intercept(method, path, headers, body)
            if answer is not None:
                status, out_headers, out_body = answer
                # The relay's privacy headers and CSP, as a real relay sends with every answer.
                return status, dict(self.privacy_headers(), **out_headers), out_body
        status, out_headers, out_body = self.forward(method, path, headers, body)
        if self.rewrite:
            status, out_headers, out_body = self.rewrite(method, path, status, out_headers, out_body)
        return status, out_headers, out_body

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPSConnection("127.0.0.1", self.world.port, context=self.upstream, timeout=120)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            if self.pays_upstream and method == "POST" and path in ("/v1/uploads", "/v1/reports"):
                sent = {k: v for k, v in sent.items() if k.lower() != "seal-pow"}
                sent["Seal-PoW"] = self.solve_upstream()
            conn.request(method, path, body=body if body or method in ("POST", "PUT") else None, headers=sent)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k: v for k, v in r.getheaders() if k.lower() not in HOP_BY_HOP}, data
        finally:
            conn.close()

    def solve_upstream(self) -> str:
        return solve_relay_pow(self.world.port, self.upstream)

    _privacy = None

    def privacy_headers(self) -> dict:
        if self._privacy is None:
            _, headers, _ = self.forward("GET", "/v1/bundle", {}, b"")
            keep = ("cache-control", "referrer-policy", "content-security-policy", "x-content-type-options",
                    "cross-origin-resource-policy", "strict-transport-security")
            self._privacy = {k: v for k, v in headers.items() if k.lower() in keep}
        return self._privacy

    def requests(self, method=None, path=None) -> list:
        """Logged requests, of one method and one exact path when given."""
        with self.lock:
            return [(m, p, h) for m, p, h in self.log if (method is None or m == method) and (path is None or p == path)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def pow_relay(world, gate: PowGate, serve_challenges: bool = True, refuse_all: bool = False) -> RelayProxy:
    """A relay that asks for proof of work: GET /v1/pow answers the gate's challenge (or 404
    when serve_challenges is off, as a relay older than proof of work does), and POST /v1/uploads needs a
    Seal-PoW token the gate accepts, else 403 pow_required with a fresh challenge."""
    def intercept(method, path, headers, body):
        if method == "GET" and path == "/v1/pow":
            if not serve_challenges:
                return 404, {"Content-Type": "application/json"}, json.dumps({"code": "not_found", "error": "no such route"}).encode()
            return 200, {"Content-Type": "application/json"}, json.dumps(gate.challenge()).encode()
        if method in ("POST",) and path in ("/v1/uploads", "/v1/reports"):
            token = next((v for k, v in headers.items() if k.lower() == "seal-pow"), None)
            if gate.check(token) != "ok" or refuse_all:
                return gate.refusal()
        return None

    return RelayProxy(world, intercept=intercept, pays_upstream=True)
