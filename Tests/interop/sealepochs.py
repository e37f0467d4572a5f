"""Epoch keys and bundle v2 (docs/FORMAT.md, "Epoch keys" and "Bundle v2") written from the
specification alone on pyca/cryptography, to check the Swift implementation both ways."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

import sealpy
from sealpy import SealError, b64url_decode, b64url_encode

EPOCHS_PUB_TYPE = "sealrelay-epochs-public"
EPOCHS_SEC_TYPE = "sealrelay-epochs-secret"
BUNDLE_TYPE = "sealrelay-bundle"


def _month_ok(text: Any) -> bool:
    return (isinstance(text, str) and len(text) == 7 and text[4] == "-" and text[:4].isdigit()
            and text[5:].isdigit() and 1 <= int(text[5:]) <= 12)


def parse_epoch_entry(entry: dict, name: str) -> tuple[str, sealpy.Recipient]:
    """One public epoch entry: month, kid, both halves; the kid must match the keys."""
    if not _month_ok(entry.get("epoch")):
        raise SealError("epoch month must be YYYY-MM")
    rec = sealpy.parse_public({"type": sealpy.PUB_TYPE, "v": 1, "name": name, "kid": entry["kid"],
                               "x25519": entry["x25519"], "xwing": entry["xwing"]}, f"epoch {entry['epoch']}")
    return entry["epoch"], rec


def verify_bundle(data: bytes, pinned_hex: str) -> dict:
    """Checks a v1 or v2 bundle's signature against the pinned organisation fingerprint and
    returns its body, with "epochs" parsed into {reviewer: [(month, Recipient)]}."""
    obj = json.loads(data)
    if obj.get("type") != BUNDLE_TYPE or obj.get("v") not in (1, 2):
        raise SealError("not a v1 or v2 bundle")
    body_bytes = b64url_decode(obj["body"], None, "body")
    sig = b64url_decode(obj["sig"], 64, "sig")
    body = json.loads(body_bytes)
    org = b64url_decode(body["org"], 32, "org")
    if not hmac.compare_digest(hashlib.sha256(org).hexdigest(), pinned_hex):
        raise SealError("signed by a different organisation")
    context = f"sealrelay bundle v{obj['v']}\n".encode()
    ed25519.Ed25519PublicKey.from_public_bytes(org).verify(sig, context + body_bytes)  # raises InvalidSignature
    epochs: dict[str, list[tuple[str, sealpy.Recipient]]] = {}
    for r in body["reviewers"]:
        if "epochs" in r:
            if obj["v"] < 2:
                raise SealError("a v1 bundle cannot carry epochs")
            parsed = [parse_epoch_entry(e, r["name"]) for e in r["epochs"]]
            if len({m for m, _ in parsed}) != len(parsed):
                raise SealError("two keys for one month")
            epochs[r["name"]] = sorted(parsed, key=lambda p: p[0])
    body["epochs_parsed"] = epochs
    body["id"] = hashlib.sha256(body_bytes).hexdigest()
    return body


def choose_recipients(body: dict, month: str) -> list[sealpy.Recipient]:
    """The sender's rule: this month's epoch, else the newest earlier, else the identity."""
    chosen = []
    for r in body["reviewers"]:
        epochs = body["epochs_parsed"].get(r["name"], [])
        current = [rec for m, rec in epochs if m == month]
        earlier = [rec for m, rec in epochs if m < month]
        if current:
            chosen.append(current[0])
        elif earlier:
            chosen.append(earlier[-1])
        else:
            chosen.append(sealpy.parse_public(dict(r, type=sealpy.PUB_TYPE, v=1), "reviewer"))
    return chosen


def load_epoch_secrets(data: bytes) -> dict[bytes, tuple[str, sealpy.Identity]]:
    """An unprotected epochs.seckey: {kid: (month, Identity)}; retired months have no secret."""
    obj = json.loads(data)
    if obj.get("type") != EPOCHS_SEC_TYPE or obj.get("v") != 1:
        raise SealError("not an epochs secret file")
    out = {}
    for e in obj["epochs"]:
        ident = sealpy.parse_secret({"type": sealpy.SEC_TYPE, "v": 1, "name": obj["name"], "kid": e["kid"],
                                     "x25519": e["x25519"], "xwing": e["xwing"]}, f"epoch {e['epoch']}")
        out[ident.kid] = (e["epoch"], ident)
    return out


def make_epochs(name: str, months: list[str]) -> tuple[dict, dict]:
    """Fresh epoch keys for `months`: (epochs.pub object, unprotected epochs.seckey object)."""
    pub, sec = [], []
    for m in months:
        ident = sealpy.new_identity(name)
        kid = b64url_encode(ident.kid)
        pub.append({"epoch": m, "kid": kid, "x25519": b64url_encode(ident.x25519_pub), "xwing": b64url_encode(ident.xwing_pub)})
        sec.append({"epoch": m, "kid": kid, "x25519": b64url_encode(ident.x25519_priv), "xwing": b64url_encode(ident.xwing_seed)})
    return ({"type": EPOCHS_PUB_TYPE, "v": 1, "name": name, "epochs": pub},
            {"type": EPOCHS_SEC_TYPE, "v": 1, "name": name, "epochs": sec, "retired": []})


def sign_bundle_v2(org_seed: bytes, reviewers: list[dict], epochs: dict[str, list[dict]], relays: list[str],
                   counter: int, days: int = 30) -> bytes:
    """A v2 bundle signed by the organisation key given as its 32-byte seed."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(org_seed)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    entries = []
    for r in reviewers:
        e = {k: r[k] for k in ("name", "kid", "x25519", "xwing")}
        if r["name"] in epochs:
            e["epochs"] = epochs[r["name"]]
        entries.append(e)
    body = {"org": b64url_encode(key.public_key().public_bytes_raw()), "counter": counter,
            "not_before": today.isoformat(), "not_after": (today + datetime.timedelta(days=days)).isoformat(),
            "relays": relays, "reviewers": entries}
    body_bytes = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    sig = key.sign(b"sealrelay bundle v2\n" + body_bytes)
    return json.dumps({"type": BUNDLE_TYPE, "v": 2, "body": b64url_encode(body_bytes), "sig": b64url_encode(sig)},
                      separators=(",", ":"), sort_keys=True).encode() + b"\n"


def current_month() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")


def month_from_now(offset: int) -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    index = now.year * 12 + now.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
