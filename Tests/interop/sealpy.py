#!/usr/bin/env python3
"""sealpy: an independent Python implementation of SealRelay envelope format v1.

It serves as an interoperability oracle for the Swift implementation
(docs/FORMAT.md). Dependencies: the standard library and the PyPI
``cryptography`` package (>= 46, for ``hazmat.primitives.hpke``).

Layers, each usable on its own from tests:

* encoding     ``b64url_encode`` / ``b64url_decode`` (strict, unpadded), ``padme``
* keys         ``keygen``, ``load_public``, ``load_secret``, ``Recipient``, ``Identity``
* envelope     ``seal_plaintext`` (raw plaintext -> envelope bytes),
               ``open_plaintext`` (envelope bytes -> raw plaintext),
               ``parse_envelope`` / ``inspect_envelope`` (key-less structural check)
* container    ``build_container`` / ``parse_container`` (the padded report)
* high level   ``encrypt`` (files in, ``.seal`` out), ``open_envelope`` (``.seal`` in,
               directory out)

Every failure raises ``SealError`` with a one-line message. The CLI prints
``sealpy: error: MESSAGE`` on stderr and exits 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import mimetypes
import os
import re
import shutil
import struct
import sys
import tempfile
from typing import Any, Callable, Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# ---------------------------------------------------------------------------
# Constants (docs/FORMAT.md and the fixed byte-level decisions)
# ---------------------------------------------------------------------------

MAGIC = b"SEAL1\n"
MAX_HEADER_LEN = 262144
CHUNK = 65536
TAG_LEN = 16
WIRE_CHUNK = CHUNK + TAG_LEN
MAC_LEN = 32
FILE_KEY_LEN = 32
KID_LEN = 16
SALT_LEN = 16
STANZA_CT_LEN = 48
MIN_STANZAS = 1
MAX_STANZAS = 64
MIN_PADDED = 16384

SUITE_X25519 = "x25519-hkdf-sha256-aes256gcm"
SUITE_XWING = "xwing-hkdf-sha256-aes256gcm"
SUITE_ALIASES = {"x25519": SUITE_X25519, "xwing": SUITE_XWING,
                 SUITE_X25519: SUITE_X25519, SUITE_XWING: SUITE_XWING}

X25519_LEN = 32
XWING_PUB_LEN = 1216          # ML-KEM-768 public key (1184) || X25519 public key (32)
XWING_ENC_LEN = 1120          # ML-KEM-768 ciphertext (1088) || X25519 ephemeral (32)
XWING_SEED_LEN = 32
MLKEM768_PUB_LEN = 1184
ENC_LEN = {SUITE_X25519: X25519_LEN, SUITE_XWING: XWING_ENC_LEN}

INFO_FILE_KEY = b"seal1 file key"
INFO_HEADER = b"seal1 header"
INFO_PAYLOAD = b"seal1 payload"

HEADER_KEYS = frozenset({"v", "bundle", "stanzas", "chunk", "salt"})
STANZA_KEYS = frozenset({"kid", "suite", "enc", "ct"})

MAX_FILES = 10_000            # entries in "files", "scrubbed" and "unscrubbed" (FORMAT.md §4)
MANIFEST_REQUIRED = frozenset({"v", "kind", "message", "files", "scrubbed", "thread", "client"})
MANIFEST_OPTIONAL = frozenset({"unscrubbed", "reply"})
FILE_KEYS = frozenset({"name", "type", "size", "sha256"})
SCRUBBED_KEYS = frozenset({"name", "removed"})
REPLY_KEYS = frozenset({"key", "mailbox"})
CLIENTS = frozenset({"seal-cli/1", "web/1"})
KINDS = frozenset({"report", "reply"})
SEALPY_CLIENT = "seal-cli/1"

PUB_TYPE = "sealrelay-reviewer-public"
SEC_TYPE = "sealrelay-reviewer-secret"
PUB_KEYS = frozenset({"type", "v", "name", "kid", "x25519", "xwing"})
SEC_KEYS = frozenset({"type", "v", "name", "kid", "x25519", "xwing"})

_HEX64 = re.compile(r"[0-9a-f]{64}")
_B64URL_CHARS = re.compile(r"[A-Za-z0-9_-]*")


class SealError(Exception):
    """Any failure of sealpy: bad input, failed verification, I/O trouble."""


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64url_decode(text: Any, length: int | None = None, what: str = "value") -> bytes:
    """Strict unpadded base64url: no '=', no foreign characters, canonical trailing bits."""
    if not isinstance(text, str):
        raise SealError(f"{what}: expected a base64url string")
    if not _B64URL_CHARS.fullmatch(text):
        raise SealError(f"{what}: not unpadded base64url")
    if len(text) % 4 == 1:
        raise SealError(f"{what}: invalid base64url length")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SealError(f"{what}: invalid base64url") from exc
    if b64url_encode(raw) != text:
        raise SealError(f"{what}: non-canonical base64url")
    if length is not None and len(raw) != length:
        raise SealError(f"{what}: expected {length} bytes, got {len(raw)}")
    return raw


def canonical_json(obj: Any) -> bytes:
    """Compact JSON with sorted keys, as the format writes it."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise SealError(f"JSON constant {name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise SealError(f"duplicate JSON key {k!r}")
        out[k] = v
    return out


def strict_json_loads(data: bytes, what: str) -> Any:
    """UTF-8 JSON, no duplicate keys, no NaN/Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SealError(f"{what} is not valid UTF-8") from exc
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except SealError as exc:
        raise SealError(f"{what}: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise SealError(f"{what} is not valid JSON") from exc


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_keys(obj: Any, required: Iterable[str], optional: Iterable[str], what: str) -> dict:
    if not isinstance(obj, dict):
        raise SealError(f"{what} is not a JSON object")
    required = set(required)
    allowed = required | set(optional)
    missing = sorted(required - obj.keys())
    if missing:
        raise SealError(f"{what}: missing key(s) {', '.join(missing)}")
    unknown = sorted(obj.keys() - allowed)
    if unknown:
        raise SealError(f"{what}: unknown key(s) {', '.join(unknown)}")
    return obj


def padme(n: int) -> int:
    """Padmé (Nikitin et al., PETS 2019), defined for n >= 2; identity below."""
    if n < 2:
        return n
    e = n.bit_length() - 1          # floor(log2 n)
    s = e.bit_length()              # floor(log2 e) + 1
    m = (1 << max(e - s, 0)) - 1
    return (n + m) & ~m


def padded_length(unpadded: int) -> int:
    return padme(max(unpadded, MIN_PADDED))


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF-SHA256 (stdlib only; empty salt == HashLen zero bytes)."""
    prk = hmac.new(salt if salt else b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def header_key(file_key: bytes) -> bytes:
    return hkdf_sha256(file_key, b"", INFO_HEADER)


def payload_key(file_key: bytes, salt: bytes) -> bytes:
    return hkdf_sha256(file_key, salt, INFO_PAYLOAD)


def chunk_nonce(index: int, last: bool) -> bytes:
    if index < 0 or index >= 1 << 88:
        raise SealError("chunk counter out of range")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

def is_low_order_x25519(pub: bytes) -> bool:
    """True when X25519 with this public value yields the all-zero secret.

    A clamped scalar is a multiple of the cofactor 8, so the shared secret is
    zero exactly for the points of small order (any encoding of them)."""
    if len(pub) != X25519_LEN:
        return True
    probe = x25519.X25519PrivateKey.generate()
    try:
        shared = probe.exchange(x25519.X25519PublicKey.from_public_bytes(bytes(pub)))
    except ValueError:  # OpenSSL refuses an all-zero shared secret
        return True
    return hmac.compare_digest(shared, bytes(32))


def check_x25519_public(pub: bytes, what: str) -> bytes:
    if len(pub) != X25519_LEN:
        raise SealError(f"{what}: X25519 public key must be 32 bytes")
    if is_low_order_x25519(pub):
        raise SealError(f"{what}: low-order X25519 public key rejected")
    return pub


def xwing_expand(seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey]:
    """X-Wing decapsulation key from its 32-byte seed: SHAKE256(seed, 96) ->
    ML-KEM-768 (d || z) and the X25519 scalar."""
    if len(seed) != XWING_SEED_LEN:
        raise SealError("X-Wing seed must be 32 bytes")
    expanded = hashlib.shake_256(bytes(seed)).digest(96)
    return (mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]),
            x25519.X25519PrivateKey.from_private_bytes(expanded[64:96]))


def xwing_public_from_seed(seed: bytes) -> bytes:
    m, x = xwing_expand(seed)
    return m.public_key().public_bytes_raw() + x.public_key().public_bytes_raw()


def _xwing_hpke_public(pub: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(pub) != XWING_PUB_LEN:
        raise SealError("X-Wing public key must be 1216 bytes")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(pub[:MLKEM768_PUB_LEN]),
            x25519.X25519PublicKey.from_public_bytes(pub[MLKEM768_PUB_LEN:]))
    except ValueError as exc:
        raise SealError("invalid X-Wing public key") from exc


def _xwing_hpke_private(seed: bytes) -> hpke.MLKEM768X25519PrivateKey:
    m, x = xwing_expand(seed)
    return hpke.MLKEM768X25519PrivateKey(m, x)


def kid_for(x25519_pub: bytes, xwing_pub: bytes | None = None) -> bytes:
    """kid = SHA-256(x25519 || xwing)[:16]; for an X25519-only (reply) key, SHA-256(x25519)[:16]."""
    return hashlib.sha256(bytes(x25519_pub) + (bytes(xwing_pub) if xwing_pub else b"")).digest()[:KID_LEN]


@dataclasses.dataclass(frozen=True)
class Recipient:
    """Someone an envelope can be sealed to."""
    kid: bytes
    x25519_pub: bytes | None
    xwing_pub: bytes | None = None
    name: str = ""

    @classmethod
    def reviewer(cls, x25519_pub: bytes, xwing_pub: bytes, name: str = "") -> "Recipient":
        return cls(kid_for(x25519_pub, xwing_pub), bytes(x25519_pub), bytes(xwing_pub), name)

    @classmethod
    def reply_key(cls, x25519_pub: bytes) -> "Recipient":
        """A source's X25519-only reply key (docs/FORMAT.md §5)."""
        return cls(kid_for(x25519_pub), bytes(x25519_pub), None, "")


@dataclasses.dataclass(frozen=True)
class Identity:
    """Secret material that opens envelopes."""
    kid: bytes
    x25519_priv: bytes
    xwing_seed: bytes | None = None
    name: str = ""

    @property
    def x25519_pub(self) -> bytes:
        return x25519.X25519PrivateKey.from_private_bytes(self.x25519_priv).public_key().public_bytes_raw()

    @property
    def xwing_pub(self) -> bytes | None:
        return None if self.xwing_seed is None else xwing_public_from_seed(self.xwing_seed)

    def recipient(self) -> Recipient:
        return Recipient(self.kid, self.x25519_pub, self.xwing_pub, self.name)

    @classmethod
    def reply_key(cls, x25519_priv: bytes) -> "Identity":
        pub = x25519.X25519PrivateKey.from_private_bytes(bytes(x25519_priv)).public_key().public_bytes_raw()
        return cls(kid_for(pub), bytes(x25519_priv), None, "")


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise SealError(f"{what}: name must be a non-empty string")
    return name


def _safe_file_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name \
        and "\x00" not in name


def new_identity(name: str = "") -> Identity:
    xpriv = x25519.X25519PrivateKey.generate().private_bytes_raw()
    seed = os.urandom(XWING_SEED_LEN)
    xpub = x25519.X25519PrivateKey.from_private_bytes(xpriv).public_key().public_bytes_raw()
    return Identity(kid_for(xpub, xwing_public_from_seed(seed)), xpriv, seed, name)


def public_key_json(recipient: Recipient) -> dict:
    return {"type": PUB_TYPE, "v": 1, "name": recipient.name, "kid": b64url_encode(recipient.kid),
            "x25519": b64url_encode(recipient.x25519_pub), "xwing": b64url_encode(recipient.xwing_pub)}


def secret_key_json(identity: Identity) -> dict:
    return {"type": SEC_TYPE, "v": 1, "name": identity.name, "kid": b64url_encode(identity.kid),
            "x25519": b64url_encode(identity.x25519_priv), "xwing": b64url_encode(identity.xwing_seed)}


def _write_new_file(path: str, data: bytes, mode: int = 0o644) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def keygen(name: str, out_dir: str) -> tuple[str, str]:
    """Write OUT_DIR/NAME.pub and an unprotected OUT_DIR/NAME.seckey; return their paths."""
    _check_name(name, "keygen")
    if not _safe_file_name(name):
        raise SealError(f"keygen: name {name!r} cannot be used as a file name")
    os.makedirs(out_dir, exist_ok=True)
    pub_path = os.path.join(out_dir, name + ".pub")
    sec_path = os.path.join(out_dir, name + ".seckey")
    for p in (pub_path, sec_path):
        if os.path.lexists(p):
            raise SealError(f"keygen: {p} already exists")
    ident = new_identity(name)
    _write_new_file(sec_path, canonical_json(secret_key_json(ident)) + b"\n", 0o600)
    _write_new_file(pub_path, canonical_json(public_key_json(ident.recipient())) + b"\n", 0o644)
    return pub_path, sec_path


def _read_json_file(path: str, what: str) -> Any:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as exc:
        raise SealError(f"cannot read {what} {path}: {exc.strerror}") from exc
    return strict_json_loads(data, f"{what} {os.path.basename(path)}")


def parse_public(obj: Any, what: str = "public key") -> Recipient:
    _check_keys(obj, PUB_KEYS, (), what)
    if obj["type"] != PUB_TYPE:
        raise SealError(f"{what}: type is not {PUB_TYPE!r}")
    if not _is_int(obj["v"]) or obj["v"] != 1:
        raise SealError(f"{what}: unsupported key file version")
    name = _check_name(obj["name"], what)
    kid = b64url_decode(obj["kid"], KID_LEN, f"{what} kid")
    xpub = check_x25519_public(b64url_decode(obj["x25519"], X25519_LEN, f"{what} x25519"), what)
    wpub = b64url_decode(obj["xwing"], XWING_PUB_LEN, f"{what} xwing")
    check_x25519_public(wpub[MLKEM768_PUB_LEN:], f"{what} xwing")
    _xwing_hpke_public(wpub)  # ML-KEM encapsulation key validity (modulus check)
    if not hmac.compare_digest(kid_for(xpub, wpub), kid):
        raise SealError(f"{what}: kid does not match the keys")
    return Recipient(kid, xpub, wpub, name)


def parse_secret(obj: Any, what: str = "secret key") -> Identity:
    if isinstance(obj, dict) and "protected" in obj:
        raise SealError(f"{what}: passphrase-protected key files are not supported by sealpy")
    _check_keys(obj, SEC_KEYS, (), what)
    if obj["type"] != SEC_TYPE:
        raise SealError(f"{what}: type is not {SEC_TYPE!r}")
    if not _is_int(obj["v"]) or obj["v"] != 1:
        raise SealError(f"{what}: unsupported key file version")
    name = _check_name(obj["name"], what)
    kid = b64url_decode(obj["kid"], KID_LEN, f"{what} kid")
    xpriv = b64url_decode(obj["x25519"], X25519_LEN, f"{what} x25519")
    seed = b64url_decode(obj["xwing"], XWING_SEED_LEN, f"{what} xwing")
    ident = Identity(kid, xpriv, seed, name)
    check_x25519_public(ident.x25519_pub, what)
    if not hmac.compare_digest(kid_for(ident.x25519_pub, ident.xwing_pub), kid):
        raise SealError(f"{what}: kid does not match the keys")
    return ident


def load_public(path: str) -> Recipient:
    return parse_public(_read_json_file(path, "public key"), f"public key {os.path.basename(path)}")


def load_secret(path: str) -> Identity:
    return parse_secret(_read_json_file(path, "secret key"), f"secret key {os.path.basename(path)}")


# ---------------------------------------------------------------------------
# HPKE stanzas
# ---------------------------------------------------------------------------

def _suite(suite: str) -> hpke.Suite:
    kem = hpke.KEM.X25519 if suite == SUITE_X25519 else hpke.KEM.MLKEM768_X25519
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def wrap_file_key(file_key: bytes, recipient: Recipient, suite: str) -> dict:
    info = INFO_FILE_KEY + recipient.kid
    if suite == SUITE_X25519:
        if recipient.x25519_pub is None:
            raise SealError("recipient has no X25519 key")
        check_x25519_public(recipient.x25519_pub, "recipient")
        pub = x25519.X25519PublicKey.from_public_bytes(recipient.x25519_pub)
    elif suite == SUITE_XWING:
        if recipient.xwing_pub is None:
            raise SealError("recipient has no X-Wing key")
        pub = _xwing_hpke_public(recipient.xwing_pub)
    else:
        raise SealError(f"unknown suite {suite!r}")
    out = _suite(suite).encrypt(file_key, pub, info=info)
    enc, ct = out[:ENC_LEN[suite]], out[ENC_LEN[suite]:]
    assert len(ct) == STANZA_CT_LEN, len(ct)
    return {"kid": b64url_encode(recipient.kid), "suite": suite,
            "enc": b64url_encode(enc), "ct": b64url_encode(ct)}


def unwrap_file_key(stanza: "Stanza", identity: Identity) -> bytes:
    info = INFO_FILE_KEY + identity.kid
    if len(stanza.ct) != STANZA_CT_LEN:  # parse_header checks this too; keep it local
        raise SealError("stanza ct must be 48 bytes")
    if stanza.suite == SUITE_X25519:
        if is_low_order_x25519(stanza.enc):
            raise SealError("stanza enc is a low-order X25519 public key")
        priv: Any = x25519.X25519PrivateKey.from_private_bytes(identity.x25519_priv)
    else:
        if identity.xwing_seed is None:
            raise SealError("this key has no X-Wing half")
        priv = _xwing_hpke_private(identity.xwing_seed)
    try:
        file_key = _suite(stanza.suite).decrypt(stanza.enc + stanza.ct, priv, info=info)
    except (InvalidTag, ValueError) as exc:
        raise SealError("cannot decrypt the file key: stanza for this kid does not open") from exc
    if len(file_key) != FILE_KEY_LEN:
        raise SealError("file key has the wrong length")
    return file_key


# ---------------------------------------------------------------------------
# Envelope header
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Stanza:
    kid: bytes
    suite: str
    enc: bytes
    ct: bytes


@dataclasses.dataclass(frozen=True)
class ParsedEnvelope:
    header: dict                 # the parsed JSON object
    header_bytes: bytes          # exactly the L bytes that were MACed
    header_canonical: bool       # header_bytes == canonical_json(header)
    bundle: str
    salt: bytes
    stanzas: tuple[Stanza, ...]
    suite: str
    mac: bytes
    payload: bytes
    prefix_len: int              # offset of the payload in the envelope

    @property
    def mac_input(self) -> bytes:
        return MAGIC + struct.pack(">I", len(self.header_bytes)) + self.header_bytes


def validate_header(header: Any) -> tuple[str, bytes, tuple[Stanza, ...], str]:
    """Check the header JSON object; return (bundle, salt, stanzas, suite)."""
    if not isinstance(header, dict):
        raise SealError("header is not a JSON object")
    if "v" in header and not (_is_int(header["v"]) and header["v"] == 1):
        raise SealError(f"unsupported envelope version {header['v']!r}")
    _check_keys(header, HEADER_KEYS, (), "header")
    if not _is_int(header["chunk"]) or header["chunk"] != CHUNK:
        raise SealError(f"unsupported chunk size {header['chunk']!r}")
    bundle = header["bundle"]
    if not isinstance(bundle, str) or not _HEX64.fullmatch(bundle):
        raise SealError("header bundle must be 64 lowercase hex characters")
    salt = b64url_decode(header["salt"], SALT_LEN, "header salt")
    raw = header["stanzas"]
    if not isinstance(raw, list) or not MIN_STANZAS <= len(raw) <= MAX_STANZAS:
        raise SealError(f"header must have {MIN_STANZAS} to {MAX_STANZAS} stanzas")
    stanzas: list[Stanza] = []
    seen: set[bytes] = set()
    for i, s in enumerate(raw):
        what = f"stanza {i}"
        _check_keys(s, STANZA_KEYS, (), what)
        suite = s["suite"]
        if suite not in (SUITE_X25519, SUITE_XWING):
            raise SealError(f"{what}: unknown suite {suite!r}")
        kid = b64url_decode(s["kid"], KID_LEN, f"{what} kid")
        enc = b64url_decode(s["enc"], ENC_LEN[suite], f"{what} enc")
        ct = b64url_decode(s["ct"], STANZA_CT_LEN, f"{what} ct")
        if kid in seen:
            raise SealError(f"{what}: duplicate kid")
        seen.add(kid)
        stanzas.append(Stanza(kid, suite, enc, ct))
    suites = {s.suite for s in stanzas}
    if len(suites) != 1:
        raise SealError("stanzas mix suites")
    return bundle, salt, tuple(stanzas), suites.pop()


def parse_envelope(data: bytes) -> ParsedEnvelope:
    """Everything that can be checked without a key (what a relay checks)."""
    data = bytes(data)
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        raise SealError("not a SealRelay envelope (bad magic)")
    pos = len(MAGIC)
    if len(data) < pos + 4:
        raise SealError("envelope truncated in header length")
    (hlen,) = struct.unpack(">I", data[pos:pos + 4])
    pos += 4
    if not 1 <= hlen <= MAX_HEADER_LEN:
        raise SealError(f"header length {hlen} out of bounds (1..{MAX_HEADER_LEN})")
    if len(data) < pos + hlen + MAC_LEN:
        raise SealError("envelope truncated in header")
    header_bytes = data[pos:pos + hlen]
    pos += hlen
    mac = data[pos:pos + MAC_LEN]
    pos += MAC_LEN
    header = strict_json_loads(header_bytes, "header")
    bundle, salt, stanzas, suite = validate_header(header)
    return ParsedEnvelope(header, header_bytes, canonical_json(header) == header_bytes, bundle, salt,
                          stanzas, suite, mac, data[pos:], pos)


def inspect_envelope(path_or_bytes: str | bytes) -> dict:
    """Key-less structural summary of an envelope, for tests."""
    data = _read_bytes(path_or_bytes) if isinstance(path_or_bytes, str) else bytes(path_or_bytes)
    env = parse_envelope(data)
    n = len(env.payload)
    return {
        "header": env.header,
        "header_length": len(env.header_bytes),
        "header_canonical": env.header_canonical,
        "suite": env.suite,
        "kids": [b64url_encode(s.kid) for s in env.stanzas],
        "payload_length": n,
        "chunks": max(1, -(-n // WIRE_CHUNK)),
    }


# ---------------------------------------------------------------------------
# STREAM payload
# ---------------------------------------------------------------------------

def stream_encrypt(key: bytes, plaintext: bytes) -> bytes:
    aead = AESGCM(key)
    pt = memoryview(bytes(plaintext))
    count = max(1, -(-len(pt) // CHUNK))
    out = bytearray()
    for i in range(count):
        out += aead.encrypt(chunk_nonce(i, i == count - 1), bytes(pt[i * CHUNK:(i + 1) * CHUNK]), None)
    return bytes(out)


def stream_decrypt(key: bytes, payload: bytes) -> bytes:
    """Decrypt all chunks; raise SealError on any fault. Returns the whole plaintext."""
    aead = AESGCM(key)
    payload = memoryview(bytes(payload))
    n = len(payload)
    if n == 0:
        raise SealError("payload missing: no last chunk")
    count = -(-n // WIRE_CHUNK)
    out = bytearray()
    for i in range(count):
        wire = bytes(payload[i * WIRE_CHUNK:(i + 1) * WIRE_CHUNK])
        last = i == count - 1
        if len(wire) < TAG_LEN:
            raise SealError(f"payload truncated: chunk {i} is shorter than its tag")
        try:
            pt = aead.decrypt(chunk_nonce(i, last), wire, None)
        except InvalidTag:
            # Diagnose: does it open with the other last-flag?
            try:
                aead.decrypt(chunk_nonce(i, not last), wire, None)
                flipped = True
            except InvalidTag:
                flipped = False
            if flipped and last:
                raise SealError(f"payload truncated: chunk {i} is not the last chunk, the stream ends early") from None
            if flipped and not last:
                raise SealError(f"trailing data after the last chunk (chunk {i})") from None
            raise SealError(f"payload chunk {i} failed authentication "
                            "(corrupted, reordered, truncated or with trailing data)") from None
        if last and len(pt) == 0 and i > 0:
            raise SealError(f"empty last chunk {i} is only allowed for an empty plaintext")
        out += pt
    return bytes(out)


# ---------------------------------------------------------------------------
# Envelope seal/open
# ---------------------------------------------------------------------------

HeaderHook = Callable[[dict], Any]


def seal_plaintext(plaintext: bytes, recipients: Sequence[Recipient], suite: str, bundle_id: str, *,
                   file_key: bytes | None = None, salt: bytes | None = None,
                   header_hook: HeaderHook | None = None,
                   header_bytes_hook: Callable[[bytes], bytes] | None = None) -> bytes:
    """Encrypt raw payload plaintext into an envelope.

    header_hook(header_dict) may mutate the header in place before
    serialisation (its return value is ignored); header_bytes_hook(bytes)
    returns the serialised header to use instead. Both run before the MAC is computed, so tests can make
    well-MACed but otherwise invalid envelopes."""
    suite = SUITE_ALIASES.get(suite, suite)
    if suite not in (SUITE_X25519, SUITE_XWING):
        raise SealError(f"unknown suite {suite!r}")
    if not isinstance(bundle_id, str) or not _HEX64.fullmatch(bundle_id):
        raise SealError("bundle id must be 64 lowercase hex characters")
    if not MIN_STANZAS <= len(recipients) <= MAX_STANZAS:
        raise SealError(f"need {MIN_STANZAS} to {MAX_STANZAS} recipients")
    kids = [r.kid for r in recipients]
    if len(set(kids)) != len(kids):
        raise SealError("duplicate recipient kid")
    file_key = os.urandom(FILE_KEY_LEN) if file_key is None else bytes(file_key)
    salt = os.urandom(SALT_LEN) if salt is None else bytes(salt)
    header: dict = {"v": 1, "bundle": bundle_id, "chunk": CHUNK, "salt": b64url_encode(salt),
                   "stanzas": [wrap_file_key(file_key, r, suite) for r in recipients]}
    if header_hook is not None:
        header_hook(header)
    hbytes = canonical_json(header)
    if header_bytes_hook is not None:
        hbytes = header_bytes_hook(hbytes)
    prefix = MAGIC + struct.pack(">I", len(hbytes)) + hbytes
    mac = hmac.new(header_key(file_key), prefix, hashlib.sha256).digest()
    return prefix + mac + stream_encrypt(payload_key(file_key, salt), plaintext)


def open_plaintext(identity: Identity, data: bytes) -> tuple[ParsedEnvelope, bytes]:
    """Verify and decrypt an envelope; return (parsed header, raw payload plaintext)."""
    env = parse_envelope(data)
    mine = [s for s in env.stanzas if hmac.compare_digest(s.kid, identity.kid)]
    if not mine:
        raise SealError(f"no stanza for this key (kid {b64url_encode(identity.kid)}): unknown kid")
    file_key = unwrap_file_key(mine[0], identity)
    expected = hmac.new(header_key(file_key), env.mac_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, env.mac):
        raise SealError("header MAC does not verify")
    return env, stream_decrypt(payload_key(file_key, env.salt), env.payload)


# ---------------------------------------------------------------------------
# Report container
# ---------------------------------------------------------------------------

def build_container(manifest: dict, blobs: Sequence[bytes], *, pad_byte: int = 0,
                    padded_len: int | None = None) -> bytes:
    """u32be(M) || manifest || files || zero padding. pad_byte/padded_len exist for negative tests."""
    mbytes = canonical_json(manifest)
    body = struct.pack(">I", len(mbytes)) + mbytes + b"".join(bytes(b) for b in blobs)
    target = padded_length(len(body)) if padded_len is None else padded_len
    if target < len(body):
        raise SealError("padded length shorter than the content")
    return body + bytes([pad_byte]) * (target - len(body))


def _is_text(x: Any) -> bool:
    """A str that is valid Unicode (JSON can smuggle in lone surrogates)."""
    if not isinstance(x, str):
        return False
    try:
        x.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_manifest(m: Any) -> dict:
    if not isinstance(m, dict):
        raise SealError("manifest is not a JSON object")
    if "v" in m and not (_is_int(m["v"]) and m["v"] == 1):
        raise SealError(f"unsupported manifest version {m['v']!r}")
    _check_keys(m, MANIFEST_REQUIRED, MANIFEST_OPTIONAL, "manifest")
    if m["kind"] not in KINDS:
        raise SealError(f"manifest kind {m['kind']!r} unknown")
    if not _is_text(m["message"]):
        raise SealError("manifest message must be a valid Unicode string")
    if not isinstance(m["files"], list):
        raise SealError("manifest files must be a list")
    for key in ("files", "scrubbed", "unscrubbed"):
        if isinstance(m.get(key), list) and len(m[key]) > MAX_FILES:
            raise SealError(f"a report holds at most {MAX_FILES} files; manifest {key} lists {len(m[key])}")
    names = []
    for i, f in enumerate(m["files"]):
        what = f"manifest file {i}"
        _check_keys(f, FILE_KEYS, (), what)
        if not _is_text(f["name"]) or not f["name"]:
            raise SealError(f"{what}: name must be a non-empty string")
        if not _is_text(f["type"]):
            raise SealError(f"{what}: type must be a string")
        if not _is_int(f["size"]) or f["size"] < 0:
            raise SealError(f"{what}: size must be a non-negative integer")
        if not isinstance(f["sha256"], str) or not _HEX64.fullmatch(f["sha256"]):
            raise SealError(f"{what}: sha256 must be 64 lowercase hex characters")
        names.append(f["name"])
    if not isinstance(m["scrubbed"], list):
        raise SealError("manifest scrubbed must be a list")
    for i, s in enumerate(m["scrubbed"]):
        what = f"manifest scrubbed {i}"
        _check_keys(s, SCRUBBED_KEYS, (), what)
        if not isinstance(s["name"], str) or s["name"] not in names:
            raise SealError(f"{what}: name is not one of the files")
        if not isinstance(s["removed"], list) or not all(isinstance(r, str) for r in s["removed"]):
            raise SealError(f"{what}: removed must be a list of strings")
    if "unscrubbed" in m:
        u = m["unscrubbed"]
        if not isinstance(u, list) or not all(isinstance(n, str) and n in names for n in u):
            raise SealError("manifest unscrubbed must list names of files")
    if m["kind"] == "report":
        if "reply" not in m:
            raise SealError("manifest of a report lacks reply")
        _check_keys(m["reply"], REPLY_KEYS, (), "manifest reply")
        check_x25519_public(b64url_decode(m["reply"]["key"], X25519_LEN, "manifest reply key"),
                            "manifest reply key")
        b64url_decode(m["reply"]["mailbox"], 16, "manifest reply mailbox")
    elif "reply" in m:
        raise SealError("manifest of a reply must not carry reply")
    b64url_decode(m["thread"], 16, "manifest thread")
    if m["client"] not in CLIENTS:
        raise SealError(f"manifest client {m['client']!r} unknown")
    return m


@dataclasses.dataclass(frozen=True)
class Container:
    manifest: dict
    manifest_bytes: bytes
    files: tuple[bytes, ...]
    unpadded_length: int
    padded_length: int


def parse_container(plaintext: bytes) -> Container:
    pt = bytes(plaintext)
    if len(pt) < 4:
        raise SealError("report container too short for its manifest length")
    (mlen,) = struct.unpack(">I", pt[:4])
    if mlen == 0 or 4 + mlen > len(pt):
        raise SealError(f"manifest length {mlen} out of bounds")
    mbytes = pt[4:4 + mlen]
    manifest = validate_manifest(strict_json_loads(mbytes, "manifest"))
    total = sum(f["size"] for f in manifest["files"])
    unpadded = 4 + mlen + total
    want = padded_length(unpadded)
    if len(pt) != want:
        raise SealError(f"plaintext length {len(pt)} != padded length {want} (unpadded {unpadded})")
    pos = 4 + mlen
    blobs = []
    for i, f in enumerate(manifest["files"]):
        blob = pt[pos:pos + f["size"]]
        pos += f["size"]
        if len(blob) != f["size"]:
            raise SealError(f"file {i} size mismatch")
        if not hmac.compare_digest(hashlib.sha256(blob).hexdigest(), f["sha256"]):
            raise SealError(f"file {i} ({f['name']!r}) SHA-256 does not match the manifest")
        blobs.append(blob)
    if pt[pos:].count(0) != len(pt) - pos:
        raise SealError("padding is not all zero bytes")
    return Container(manifest, mbytes, tuple(blobs), unpadded, want)


def make_manifest(message: str, files: Sequence[tuple[str, str, bytes]], *, kind: str = "report",
                  scrubbed: list | None = None, unscrubbed: list | None = None,
                  reply: dict | None = None, thread: bytes | None = None,
                  client: str = SEALPY_CLIENT) -> dict:
    """files: (name, mime type, bytes). sealpy does not scrub, so by default every
    attached file is listed in "unscrubbed" (omitted when there are no files)."""
    if len(files) > MAX_FILES:
        raise SealError(f"a report holds at most {MAX_FILES} files; {len(files)} given")
    m: dict = {
        "v": 1, "kind": kind, "message": message,
        "files": [{"name": n, "type": t, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                  for n, t, b in files],
        "scrubbed": [] if scrubbed is None else scrubbed,
        "thread": b64url_encode(os.urandom(16) if thread is None else thread),
        "client": client,
    }
    if unscrubbed is None:
        unscrubbed = [n for n, _, _ in files]
    if unscrubbed:
        m["unscrubbed"] = unscrubbed
    if kind == "report":
        if reply is None:
            reply = {"key": b64url_encode(x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()),
                     "mailbox": b64url_encode(os.urandom(16))}
        m["reply"] = reply
    return m


# ---------------------------------------------------------------------------
# High level: files in, files out
# ---------------------------------------------------------------------------

def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise SealError(f"cannot read {path}: {exc.strerror}") from exc


def bundle_id_of(bundle_path: str) -> str:
    """Hex SHA-256 of a bundle's body bytes (no signature check)."""
    obj = _read_json_file(bundle_path, "bundle")
    if not isinstance(obj, dict) or "body" not in obj:
        raise SealError("bundle has no body")
    return hashlib.sha256(b64url_decode(obj["body"], None, "bundle body")).hexdigest()


def _atomic_write(path: str, data: bytes) -> None:
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sealpy-", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def encrypt(pubs: Sequence[str | Recipient], suite: str, bundle_id: str, message: str,
            attachments: Sequence[str] = (), out: str | None = None, **manifest_kw: Any) -> bytes:
    """Build a report from MESSAGE and ATTACHMENTS (paths), seal it to PUBS
    (paths of NAME.pub files or Recipient objects), write it to OUT if given,
    and return the envelope bytes. manifest_kw goes to make_manifest (kind,
    scrubbed, unscrubbed, reply, thread, client)."""
    recipients = [p if isinstance(p, Recipient) else load_public(p) for p in pubs]
    files = []
    for path in attachments:
        name = os.path.basename(path)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        files.append((name, mime, _read_bytes(path)))
    manifest = make_manifest(message, files, **manifest_kw)
    plaintext = build_container(manifest, [b for _, _, b in files])
    env = seal_plaintext(plaintext, recipients, suite, bundle_id)
    if out is not None:
        _atomic_write(out, env)
    return env


RESERVED_OUTPUT_NAMES = frozenset({"manifest.json", "message.txt"})


def output_names(manifest: dict) -> list[str]:
    """Where each file of the manifest is written: the basename (after '/' and
    '\\'); unusable names become file-N; clashes with manifest.json,
    message.txt or an earlier file get an 'N-' prefix."""
    used = set(RESERVED_OUTPUT_NAMES)
    out = []
    for i, f in enumerate(manifest["files"]):
        base = re.split(r"[/\\]", f["name"])[-1]
        if base in ("", ".", "..") or any(ord(c) < 0x20 or c == "\x7f" for c in base) \
                or len(base.encode("utf-8")) > 255:
            base = f"file-{i}"
        cand = base
        if cand in used:
            cand = f"{i}-{base}"
        while cand in used:
            cand = "_" + cand
        used.add(cand)
        out.append(cand)
    return out


@dataclasses.dataclass(frozen=True)
class OpenResult:
    out_dir: str
    manifest: dict
    message: str
    files: dict[str, str]        # manifest name -> written path (last wins for duplicate names)
    paths: list[str]             # written paths, in manifest order
    suite: str
    bundle: str


def open_bytes(identity: Identity, data: bytes) -> tuple[ParsedEnvelope, Container]:
    env, plaintext = open_plaintext(identity, data)
    return env, parse_container(plaintext)


def open_envelope(key_path: str | Identity, env_path: str, out_dir: str) -> OpenResult:
    """Open ENV_PATH with the unprotected secret key KEY_PATH (or an Identity)
    into OUT_DIR (created; must not exist or be empty). Everything is verified
    before anything is written; on failure OUT_DIR is left as it was."""
    identity = key_path if isinstance(key_path, Identity) else load_secret(key_path)
    env, cont = open_bytes(identity, _read_bytes(env_path))
    out_dir = os.path.abspath(out_dir)
    existed = os.path.isdir(out_dir)
    if existed and os.listdir(out_dir):
        raise SealError(f"output directory {out_dir} is not empty")
    if os.path.lexists(out_dir) and not existed:
        raise SealError(f"output path {out_dir} exists and is not a directory")
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out_dir) + ".partial-", dir=parent)
    try:
        names = output_names(cont.manifest)
        _write_new_file(os.path.join(tmp, "manifest.json"), cont.manifest_bytes)
        _write_new_file(os.path.join(tmp, "message.txt"), cont.manifest["message"].encode("utf-8"))
        for name, blob in zip(names, cont.files):
            _write_new_file(os.path.join(tmp, name), blob)
        if existed:
            os.rmdir(out_dir)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    paths = [os.path.join(out_dir, n) for n in names]
    return OpenResult(out_dir, cont.manifest, cont.manifest["message"],
                      {f["name"]: p for f, p in zip(cont.manifest["files"], paths)}, paths,
                      env.suite, env.bundle)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def _cli(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="sealpy", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("open", help="open an envelope with an unprotected reviewer key")
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("envelope")

    p = sub.add_parser("encrypt", help="seal a report to reviewer public keys")
    p.add_argument("--pub", action="append", required=True)
    p.add_argument("--suite", choices=["x25519", "xwing"], default="xwing")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--bundle-id")
    g.add_argument("--bundle", help="compute the bundle id from bundle.json (signature not checked)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--message")
    g.add_argument("--message-file")
    p.add_argument("--attach", action="append", default=[])
    p.add_argument("--out", required=True)

    p = sub.add_parser("keygen", help="write NAME.pub and an unprotected NAME.seckey")
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True)

    p = sub.add_parser("inspect", help="print the key-less structure of an envelope as JSON")
    p.add_argument("envelope")

    args = ap.parse_args(argv)
    try:
        if args.cmd == "open":
            r = open_envelope(args.key, args.envelope, args.out)
            print(f"opened {len(r.paths)} file(s) into {r.out_dir}")
        elif args.cmd == "encrypt":
            bundle_id = args.bundle_id if args.bundle_id is not None else bundle_id_of(args.bundle)
            if args.message_file is not None:
                try:
                    message = _read_bytes(args.message_file).decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise SealError("message file is not UTF-8") from exc
            else:
                message = args.message
            encrypt(args.pub, args.suite, bundle_id, message, args.attach, args.out)
        elif args.cmd == "keygen":
            pub, sec = keygen(args.name, args.out)
            print(f"wrote {pub} and {sec} (unprotected)")
        elif args.cmd == "inspect":
            print(json.dumps(inspect_envelope(args.envelope), indent=1, sort_keys=True))
    except SealError as exc:
        print(f"sealpy: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line, never a stack trace
        msg = str(exc).splitlines()[0] if str(exc) else ""
        print(f"sealpy: error: {type(exc).__name__}: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
