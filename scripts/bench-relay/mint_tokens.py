"""Proof-of-work tokens for scripts/bench-relay.sh, minted with the relay's own pow.key.

The benchmark measures intake, not the clients' work, so it asks the relay's key for
challenges of 0 bits (docs/API.md "Proof of work": the MAC covers the bits, and only the
key's holder can issue such a challenge). The relay still does everything it does for a
real token: MAC check, expiry, spent set, one PBKDF2 of the nonce.

    python3 mint_tokens.py POW_KEY COUNT OUT
"""
import base64
import hashlib
import hmac
import os
import struct
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    key_path, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(key_path, "rb") as f:
        key = f.read()
    expiry = int(time.time()) // 60 + 60
    with open(out, "w") as f:
        for _ in range(count):
            signed = b"\x01" + struct.pack(">I", expiry) + b"\x00" + os.urandom(16)
            mac = hmac.new(key, signed, hashlib.sha256).digest()[:16]
            f.write(b64url(signed + mac) + "." + b64url(bytes(8)) + "\n")


if __name__ == "__main__":
    main()
