"""Self-checks of sealpy alone (no Swift): the oracle must itself be right before
it can judge the Swift implementation. Run: python3 -m pytest Tests/interop/test_interop_selfcheck.py"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sealpy  # noqa: E402
from sealpy import SealError  # noqa: E402

from cryptography.hazmat.primitives import hpke  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import x25519  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

BUNDLE = hashlib.sha256(b"test bundle body").hexdigest()
SUITES = ["x25519", "xwing"]


# ---------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keydir(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    for name in ("alice", "bob", "carol"):
        sealpy.keygen(name, str(d))
    return d


def pub(keydir, name):
    return str(keydir / f"{name}.pub")


def sec(keydir, name):
    return str(keydir / f"{name}.seckey")


def ident(keydir, name):
    return sealpy.load_secret(sec(keydir, name))


def recip(keydir, name):
    return sealpy.load_public(pub(keydir, name))


def report_plaintext(message="hello", files=()):
    """A valid padded report container."""
    m = sealpy.make_manifest(message, list(files))
    return sealpy.build_container(m, [b for _, _, b in files])


def split(data: bytes):
    """(prefix up to and including the MAC, [wire chunks])."""
    env = sealpy.parse_envelope(data)
    pl = env.payload
    return data[:env.prefix_len], [pl[i:i + sealpy.WIRE_CHUNK] for i in range(0, len(pl), sealpy.WIRE_CHUNK)]


def open_raw(identity, data):
    return sealpy.open_plaintext(identity, data)[1]


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


# ---------------------------------------------------------------------------
# primitives against published vectors
# ---------------------------------------------------------------------------

# X-Wing KEM vector 0 (draft-connolly-cfrg-xwing-kem, FIPS 203 era), as shipped in
# swift-crypto 4.5.2 Tests/CryptoTests/KEM/test-vectors.json.
XWING_SK = "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"
XWING_PK_SHA256 = "2e816deebcd76c5c80d0cd2d174478871658e8e2ff42bc9d4a6e486372e856bb"
XWING_PK_TAIL = "859edb06eff389b27dce59844570216223593d4ba32d9abac8cd049040ef6534"
XWING_SS = "d2df0522128f09dd8e2c92b1e905c793d8f57a54c3da25861f10bf4ca613e384"
XWING_CT = (
    "b83aa828d4d62b9a83ceffe1d3d3bb1ef31264643c070c5798927e41fb07914a273f8f96e7826cd5375a283d7da88530"
    "4c5de0516a0f0654243dc5b97f8bfeb831f68251219aabdd723bc6512041acbaef8af44265524942b902e68ffd23221c"
    "da70b1b55d776a92d1143ea3a0c475f63ee6890157c7116dae3f62bf72f60acd2bb8cc31ce2ba0de364f52b8ed38c79d"
    "719715963a5dd3842d8e8b43ab704e4759b5327bf027c63c8fa857c4908d5a8a7b88ac7f2be394d93c3706ddd4e698cc"
    "6ce370101f4d0213254238b4a2e8821b6e414a1cf20f6c1244b699046f5a01caa0a1a55516300b40d2048c77cc73afba"
    "79afeea9d2c0118bdf2adb8870dc328c5516cc45b1a2058141039e2c90a110a9e16b318dfb53bd49a126d6b73f215787"
    "517b8917cc01cabd107d06859854ee8b4f9861c226d3764c87339ab16c3667d2f49384e55456dd40414b70a6af841585"
    "f4c90c68725d57704ee8ee7ce6e2f9be582dbee985e038ffc346ebfb4e22158b6c84374a9ab4a44e1f91de5aac5197f8"
    "9bc5e5442f51f9a5937b102ba3beaebf6e1c58380a4a5fedce4a4e5026f88f528f59ffd2db41752b3a3d90efabe46389"
    "9b7d40870c530c8841e8712b733668ed033adbfafb2d49d37a44d4064e5863eb0af0a08d47b3cc888373bc05f7a33b84"
    "1bc2587c57eb69554e8a3767b7506917b6b70498727f16eac1a36ec8d8cfaf751549f2277db277e8a55a9a5106b23a02"
    "06b4721fa9b3048552c5bd5b594d6e247f38c18c591aea7f56249c72ce7b117afcc3a8621582f9cf71787e183dee0936"
    "7976e98409ad9217a497df888042384d7707a6b78f5f7fb8409e3b535175373461b776002d799cbad62860be70573ecb"
    "e13b246e0da7e93a52168e0fb6a9756b895ef7f0147a0dc81bfa644b088a9228160c0f9acf1379a2941cd28c06ebc80e"
    "44e17aa2f8177010afd78a97ce0868d1629ebb294c5151812c583daeb88685220f4da9118112e07041fcc24d5564a99f"
    "dbde28869fe0722387d7a9a4d16e1cc8555917e09944aa5ebaaaec2cf62693afad42a3f518fce67d273cc6c9fb5472b3"
    "80e8573ec7de06a3ba2fd5f931d725b493026cb0acbd3fe62d00e4c790d965d7a03a3c0b4222ba8c2a9a16e2ac658f57"
    "2ae0e746eafc4feba023576f08942278a041fb82a70a595d5bacbf297ce2029898a71e5c3b0d1c6228b485b1ade509b3"
    "5fbca7eca97b2132e7cb6bc465375146b7dceac969308ac0c2ac89e7863eb8943015b24314cafb9c7c0e85fe543d5665"
    "8c213632599efabfc1ec49dd8c88547bb2cc40c9d38cbd3099b4547840560531d0188cd1e9c23a0ebee0a03d5577d66b"
    "1d2bcb4baaf21cc7fef1e03806ca96299df0dfbc56e1b2b43e4fc20c37f834c4af62127e7dae86c3c25a2f696ac8b589"
    "dec71d595bfbe94b5ed4bc07d800b330796fda89edb77be0294136139354eb8cd37591578f9c600dd9be8ec6219fdd50"
    "7adf3397ed4d68707b8d13b24ce4cd8fb22851bfe9d632407f31ed6f7cb1600de56f17576740ce2a32fc5145030145cf"
    "b97e63e0e41d354274a079d3e6fb2e15"
)
XWING_LABEL = b"\\.//^\\"


def xwing_decap(seed: bytes, ct: bytes) -> bytes:
    """X-Wing Decapsulate written out here (SHA3-256 combiner), independent of pyca's HPKE."""
    m, x = sealpy.xwing_expand(seed)
    ss_m = m.decapsulate(ct[:1088])
    ct_x = ct[1088:]
    ss_x = x.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    pk_x = x.public_key().public_bytes_raw()
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


def test_xwing_seed_expansion_matches_vector():
    pk = sealpy.xwing_public_from_seed(bytes.fromhex(XWING_SK))
    assert len(pk) == sealpy.XWING_PUB_LEN
    assert pk[-32:].hex() == XWING_PK_TAIL
    assert hashlib.sha256(pk).hexdigest() == XWING_PK_SHA256
    assert xwing_decap(bytes.fromhex(XWING_SK), bytes.fromhex(XWING_CT)).hex() == XWING_SS


def _labeled_extract(suite_id, salt, label, ikm):
    return hmac.new(salt or bytes(32), b"HPKE-v1" + suite_id + label + ikm, hashlib.sha256).digest()


def _expand(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def test_pyca_mlkem768_x25519_is_xwing_0x647a():
    """Decrypt a pyca HPKE ciphertext with a hand-written RFC 9180 key schedule over
    the hand-written X-Wing decapsulation, suite id KEM 0x647a / KDF 1 / AEAD 2."""
    seed = bytes.fromhex(XWING_SK)
    kid = bytes(range(16))
    info = b"seal1 file key" + kid
    r = sealpy.Recipient(kid, None, sealpy.xwing_public_from_seed(seed))
    stanza = sealpy.wrap_file_key(b"K" * 32, r, sealpy.SUITE_XWING)
    enc = sealpy.b64url_decode(stanza["enc"])
    ct = sealpy.b64url_decode(stanza["ct"])
    assert len(enc) == 1120 and len(ct) == 48
    ss = xwing_decap(seed, enc)
    sid = b"HPKE" + struct.pack(">HHH", 0x647A, 1, 2)
    ctx = b"\x00" + _labeled_extract(sid, b"", b"psk_id_hash", b"") + _labeled_extract(sid, b"", b"info_hash", info)
    secret = _labeled_extract(sid, ss, b"secret", b"")
    key = _expand(secret, struct.pack(">H", 32) + b"HPKE-v1" + sid + b"key" + ctx, 32)
    nonce = _expand(secret, struct.pack(">H", 12) + b"HPKE-v1" + sid + b"base_nonce" + ctx, 12)
    assert AESGCM(key).decrypt(nonce, ct, b"") == b"K" * 32


def test_rfc9180_x25519_aes256gcm_vector():
    """RFC 9180 test vector, mode 0, KEM 0x20, KDF 1, AEAD 2 (first encryption)."""
    from cryptography.hazmat.bindings._rust import openssl as rust_openssl
    if not hasattr(rust_openssl.hpke, "_decrypt_with_aad"):
        pytest.skip("this cryptography build has no _decrypt_with_aad")
    sk = bytes.fromhex("497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d")
    enc = bytes.fromhex("6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256")
    info = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")
    ct = bytes.fromhex("e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a")
    pt = bytes.fromhex("4265617574792069732074727574682c20747275746820626561757479")
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    got = rust_openssl.hpke._decrypt_with_aad(suite, enc + ct, x25519.X25519PrivateKey.from_private_bytes(sk),
                                             info=info, aad=b"Count-0")
    assert got == pt


def test_hkdf_rfc5869_case3():
    # RFC 5869 A.3: empty salt and info.
    okm = sealpy.hkdf_sha256(bytes.fromhex("0b" * 22), b"", b"", 42)
    assert okm.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                         "9d201395faa4b61a96c8")


def test_padme_values():
    assert sealpy.padme(16384) == 16384
    assert sealpy.padme(16385) == 17408
    assert sealpy.padme(65536) == 65536
    assert sealpy.padme(65537) == 67584
    assert sealpy.padme(100_000) == 100352
    assert sealpy.padded_length(5) == 16384
    for n in list(range(2, 5000)) + [10**6 + k for k in range(0, 5000, 7)]:
        p = sealpy.padme(n)
        assert n <= p <= n * 1.12 + 1
        assert sealpy.padme(p) == p


def test_b64url_strict():
    assert sealpy.b64url_decode("AAEC", 3) == b"\x00\x01\x02"
    assert sealpy.b64url_encode(b"\xff\xfe") == "__4"
    for bad in ("AAE=", "AA+/", "AB", "A", "AA E", "AAEC\n"):
        with pytest.raises(SealError):
            sealpy.b64url_decode(bad)
    with pytest.raises(SealError, match="expected 4 bytes"):
        sealpy.b64url_decode("AAEC", 4)


def test_low_order_points():
    zero = bytes(32)
    one = b"\x01" + bytes(31)
    # order-8 point, and the non-canonical encoding p (= 0 mod p)
    order8 = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
    p_enc = bytes.fromhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
    for pt in (zero, one, order8, p_enc):
        assert sealpy.is_low_order_x25519(pt)
    assert not sealpy.is_low_order_x25519(x25519.X25519PrivateKey.generate().public_key().public_bytes_raw())


# ---------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------

def test_keygen_files(keydir):
    p = json.loads((keydir / "alice.pub").read_text())
    s = json.loads((keydir / "alice.seckey").read_text())
    assert set(p) == {"type", "v", "name", "kid", "x25519", "xwing"}
    assert set(s) == {"type", "v", "name", "kid", "x25519", "xwing"}
    assert p["type"] == "sealrelay-reviewer-public" and s["type"] == "sealrelay-reviewer-secret"
    assert p["kid"] == s["kid"] and p["name"] == s["name"] == "alice"
    assert len(sealpy.b64url_decode(p["xwing"])) == 1216 and len(sealpy.b64url_decode(s["xwing"])) == 32
    xpub, wpub = sealpy.b64url_decode(p["x25519"]), sealpy.b64url_decode(p["xwing"])
    assert sealpy.b64url_decode(p["kid"]) == hashlib.sha256(xpub + wpub).digest()[:16]
    assert oct(os.stat(keydir / "alice.seckey").st_mode & 0o777) == "0o600"
    i = ident(keydir, "alice")
    assert i.x25519_pub == xpub and i.xwing_pub == wpub


def test_keygen_refuses_overwrite(keydir):
    with pytest.raises(SealError, match="already exists"):
        sealpy.keygen("alice", str(keydir))


def test_key_kid_mismatch_rejected(keydir, tmp_path):
    a = json.loads((keydir / "alice.seckey").read_text())
    b = json.loads((keydir / "bob.seckey").read_text())
    a["kid"] = b["kid"]
    with pytest.raises(SealError, match="kid does not match"):
        sealpy.load_secret(write(tmp_path, "x.seckey", json.dumps(a).encode()))
    ap = json.loads((keydir / "alice.pub").read_text())
    bp = json.loads((keydir / "bob.pub").read_text())
    ap["xwing"] = bp["xwing"]
    with pytest.raises(SealError, match="kid does not match"):
        sealpy.load_public(write(tmp_path, "x.pub", json.dumps(ap).encode()))


def test_key_low_order_and_shape_rejected(keydir, tmp_path):
    ap = json.loads((keydir / "alice.pub").read_text())
    bad = dict(ap, x25519=sealpy.b64url_encode(bytes(32)))
    with pytest.raises(SealError, match="low-order"):
        sealpy.load_public(write(tmp_path, "lo.pub", json.dumps(bad).encode()))
    with pytest.raises(SealError, match="unknown key"):
        sealpy.load_public(write(tmp_path, "extra.pub", json.dumps(dict(ap, extra=1)).encode()))
    with pytest.raises(SealError, match="type"):
        sealpy.load_public(write(tmp_path, "t.pub", json.dumps(dict(ap, type="sealrelay-org-public")).encode()))
    s = json.loads((keydir / "alice.seckey").read_text())
    prot = {k: s[k] for k in ("type", "v", "name", "kid")}
    prot["protected"] = {"kdf": "argon2id"}
    with pytest.raises(SealError, match="passphrase-protected"):
        sealpy.load_secret(write(tmp_path, "p.seckey", json.dumps(prot).encode()))


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("suite", SUITES)
def test_round_trip(keydir, tmp_path, suite):
    a = write(tmp_path, "photo.jpg", os.urandom(70_000))
    b = write(tmp_path, "notes.txt", "증언 / 证词\n".encode())
    env = str(tmp_path / "r.seal")
    msg = "Wages withheld since March. 임금 체불. 拖欠工资。"
    sealpy.encrypt([pub(keydir, "alice")], suite, BUNDLE, msg, [a, b], env)

    info = sealpy.inspect_envelope(env)
    assert info["header_canonical"] and info["suite"] == sealpy.SUITE_ALIASES[suite]
    assert info["header"]["bundle"] == BUNDLE and info["header"]["chunk"] == 65536
    assert sorted(info["header"]) == ["bundle", "chunk", "salt", "stanzas", "v"]

    out = tmp_path / "out"
    r = sealpy.open_envelope(sec(keydir, "alice"), env, str(out))
    assert sorted(os.listdir(out)) == ["manifest.json", "message.txt", "notes.txt", "photo.jpg"]
    assert (out / "message.txt").read_text("utf-8") == msg
    assert (out / "photo.jpg").read_bytes() == open(a, "rb").read()
    assert (out / "notes.txt").read_bytes() == open(b, "rb").read()
    m = json.loads((out / "manifest.json").read_bytes())
    assert m == r.manifest
    assert m["kind"] == "report" and m["client"] == "seal-cli/1" and m["v"] == 1
    assert [f["name"] for f in m["files"]] == ["photo.jpg", "notes.txt"]
    assert m["files"][0]["type"] == "image/jpeg" and m["files"][0]["size"] == 70_000
    assert m["unscrubbed"] == ["photo.jpg", "notes.txt"]
    assert len(sealpy.b64url_decode(m["reply"]["key"])) == 32
    assert len(sealpy.b64url_decode(m["reply"]["mailbox"])) == 16
    assert len(sealpy.b64url_decode(m["thread"])) == 16
    # container size is exactly Padme
    _, cont = sealpy.open_bytes(ident(keydir, "alice"), open(env, "rb").read())
    assert cont.padded_length == sealpy.padme(4 + len(cont.manifest_bytes) + 70_000 + len(open(b, "rb").read()))


@pytest.mark.parametrize("suite", SUITES)
def test_multi_recipient(keydir, tmp_path, suite):
    env = sealpy.encrypt([pub(keydir, "alice"), pub(keydir, "bob")], suite, BUNDLE, "to both")
    kids = sealpy.inspect_envelope(env)["kids"]
    assert kids == [sealpy.b64url_encode(recip(keydir, n).kid) for n in ("alice", "bob")]
    for name in ("alice", "bob"):
        _, c = sealpy.open_bytes(ident(keydir, name), env)
        assert c.manifest["message"] == "to both"
    with pytest.raises(SealError, match="unknown kid"):
        sealpy.open_bytes(ident(keydir, "carol"), env)


def test_sixty_four_recipients_max(keydir):
    alice = recip(keydir, "alice")
    fakes = [sealpy.Recipient.reviewer(x25519.X25519PrivateKey.generate().public_key().public_bytes_raw(),
                                       alice.xwing_pub) for _ in range(63)]
    env = sealpy.seal_plaintext(report_plaintext(), [alice] + fakes, "xwing", BUNDLE)
    assert len(sealpy.inspect_envelope(env)["kids"]) == 64
    assert sealpy.inspect_envelope(env)["header_length"] <= sealpy.MAX_HEADER_LEN
    sealpy.open_bytes(ident(keydir, "alice"), env)
    extra = sealpy.Recipient.reviewer(x25519.X25519PrivateKey.generate().public_key().public_bytes_raw(),
                                      alice.xwing_pub)
    with pytest.raises(SealError, match="1 to 64 recipients"):
        sealpy.seal_plaintext(report_plaintext(), [alice] + fakes + [extra], "xwing", BUNDLE)
    with pytest.raises(SealError, match="duplicate recipient kid"):
        sealpy.seal_plaintext(report_plaintext(), [alice, alice], "xwing", BUNDLE)


@pytest.mark.parametrize("suite", SUITES)
def test_empty_message(keydir, tmp_path, suite):
    env = str(tmp_path / "e.seal")
    sealpy.encrypt([pub(keydir, "alice")], suite, BUNDLE, "", [], env)
    out = tmp_path / "o"
    r = sealpy.open_envelope(sec(keydir, "alice"), env, str(out))
    assert (out / "message.txt").read_bytes() == b""
    assert r.manifest["files"] == [] and "unscrubbed" not in r.manifest
    assert sorted(os.listdir(out)) == ["manifest.json", "message.txt"]
    # the shortest report still pads to 16 KiB: one 16384-byte chunk
    assert sealpy.inspect_envelope(env)["payload_length"] == 16384 + 16


@pytest.mark.parametrize("size,chunks,last", [
    (0, 1, 0), (1, 1, 1), (65535, 1, 65535), (65536, 1, 65536), (65537, 2, 1),
    (131072, 2, 65536), (131073, 3, 1)])
def test_stream_chunk_boundaries(keydir, size, chunks, last):
    pt = os.urandom(size)
    env = sealpy.seal_plaintext(pt, [recip(keydir, "alice")], "x25519", BUNDLE)
    prefix, wire = split(env)
    if size == 0:
        assert [len(w) for w in wire] == [16]
    else:
        assert len(wire) == chunks
        assert [len(w) for w in wire[:-1]] == [65552] * (chunks - 1)
        assert len(wire[-1]) == last + 16
    assert open_raw(ident(keydir, "alice"), env) == pt


def test_stream_nonces_exact(keydir):
    """Check the nonce layout and key derivation by decrypting by hand."""
    fk, salt = os.urandom(32), os.urandom(16)
    pt = os.urandom(65537)
    env = sealpy.seal_plaintext(pt, [recip(keydir, "alice")], "x25519", BUNDLE, file_key=fk, salt=salt)
    prefix, wire = split(env)
    kp = sealpy.hkdf_sha256(fk, salt, b"seal1 payload")
    a = AESGCM(kp)
    assert a.decrypt(bytes(11) + b"\x00", wire[0], None) == pt[:65536]
    assert a.decrypt((1).to_bytes(11, "big") + b"\x01", wire[1], None) == pt[65536:]
    kh = sealpy.hkdf_sha256(fk, b"", b"seal1 header")
    (hlen,) = struct.unpack(">I", env[6:10])
    assert hmac.new(kh, env[:10 + hlen], hashlib.sha256).digest() == env[10 + hlen:10 + hlen + 32]
    assert env[10:10 + hlen] == json.dumps(json.loads(env[10:10 + hlen]), separators=(",", ":"),
                                           sort_keys=True).encode()
    assert env[:6] == b"SEAL1\n"


@pytest.mark.parametrize("suite", SUITES)
def test_stanza_unwraps_with_plain_hpke(keydir, suite):
    """Open each stanza with pyca HPKE directly: enc || ct, info = "seal1 file key" || kid."""
    fk = os.urandom(32)
    names = ("alice", "bob")
    env = sealpy.seal_plaintext(b"x", [recip(keydir, n) for n in names], suite, BUNDLE, file_key=fk)
    hdr = json.loads(sealpy.parse_envelope(env).header_bytes)
    for name, st in zip(names, hdr["stanzas"]):
        i = ident(keydir, name)
        assert sealpy.b64url_decode(st["kid"]) == i.kid
        enc, ct = sealpy.b64url_decode(st["enc"]), sealpy.b64url_decode(st["ct"])
        assert len(ct) == 48 and len(enc) == (32 if suite == "x25519" else 1120)
        if suite == "x25519":
            kem, priv = hpke.KEM.X25519, x25519.X25519PrivateKey.from_private_bytes(i.x25519_priv)
        else:
            kem, priv = hpke.KEM.MLKEM768_X25519, hpke.MLKEM768X25519PrivateKey(*sealpy.xwing_expand(i.xwing_seed))
        s = hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
        assert s.decrypt(enc + ct, priv, info=b"seal1 file key" + i.kid) == fk


@pytest.mark.parametrize("unpadded", [65536, 65537])
def test_container_at_chunk_boundary(keydir, tmp_path, unpadded):
    m = sealpy.make_manifest("x", [("a.bin", "application/octet-stream", b"")])
    mlen = len(sealpy.canonical_json(m))
    # choose a file size so that U = 4 + M + size hits the target; the size field
    # may change M's length, so iterate to a fixed point
    size = unpadded - 4 - mlen
    for _ in range(3):
        blob = bytes(size)
        m = sealpy.make_manifest("x", [("a.bin", "application/octet-stream", blob)],
                                 reply=m["reply"], thread=sealpy.b64url_decode(m["thread"]))
        size = unpadded - 4 - len(sealpy.canonical_json(m))
    blob = bytes(size)
    m = sealpy.make_manifest("x", [("a.bin", "application/octet-stream", blob)],
                             reply=m["reply"], thread=sealpy.b64url_decode(m["thread"]))
    pt = sealpy.build_container(m, [blob])
    assert 4 + len(sealpy.canonical_json(m)) + len(blob) == unpadded
    assert len(pt) == sealpy.padme(unpadded) == (65536 if unpadded == 65536 else 67584)
    env = sealpy.seal_plaintext(pt, [recip(keydir, "alice")], "xwing", BUNDLE)
    assert len(split(env)[1]) == (1 if unpadded == 65536 else 2)
    _, c = sealpy.open_bytes(ident(keydir, "alice"), env)
    assert c.files == (blob,) and c.unpadded_length == unpadded


def test_reply_kind_to_x25519_only_key():
    """A reply envelope: one X25519 stanza for a source reply key (kid = SHA-256(pub)[:16])."""
    sk = os.urandom(32)
    source = sealpy.Identity.reply_key(sk)
    m = sealpy.make_manifest("we read your report", [], kind="reply")
    assert "reply" not in m
    env = sealpy.seal_plaintext(sealpy.build_container(m, []), [source.recipient()], "x25519", BUNDLE)
    assert sealpy.inspect_envelope(env)["kids"] == [
        sealpy.b64url_encode(hashlib.sha256(source.x25519_pub).digest()[:16])]
    _, c = sealpy.open_bytes(source, env)
    assert c.manifest["kind"] == "reply"


# ---------------------------------------------------------------------------
# negative cases: envelope layer
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_env(keydir):
    """An envelope of 3 chunks (last one partial) to alice."""
    blob = os.urandom(150_000)
    m = sealpy.make_manifest("three chunks", [("big.bin", "application/octet-stream", blob)])
    pt = sealpy.build_container(m, [blob])
    assert len(pt) > 2 * 65536 and len(pt) % 65536
    return sealpy.seal_plaintext(pt, [recip(keydir, "alice")], "xwing", BUNDLE)


def test_big_env_opens(keydir, big_env):
    _, c = sealpy.open_bytes(ident(keydir, "alice"), big_env)
    assert c.manifest["message"] == "three chunks"


def test_flipped_header_mac_byte(keydir, big_env):
    prefix, wire = split(big_env)
    bad = bytearray(big_env)
    bad[len(prefix) - 1] ^= 0x01
    with pytest.raises(SealError, match="header MAC does not verify"):
        sealpy.open_bytes(ident(keydir, "alice"), bytes(bad))
    bad = bytearray(big_env)
    bad[len(prefix) - 32] ^= 0x80
    with pytest.raises(SealError, match="header MAC does not verify"):
        sealpy.open_bytes(ident(keydir, "alice"), bytes(bad))


def test_header_change_with_valid_structure_fails_mac(keydir):
    """Change the bundle id in a well-formed way: the header is still valid JSON
    but the MAC (computed over the original) must fail."""
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE)
    other = hashlib.sha256(b"other").hexdigest()
    bad = env.replace(BUNDLE.encode(), other.encode())
    assert bad != env and len(bad) == len(env)
    with pytest.raises(SealError, match="header MAC does not verify"):
        sealpy.open_bytes(ident(keydir, "alice"), bad)


def test_truncated_last_chunk(keydir, big_env):
    for cut in (1, 16, len(split(big_env)[1][-1]) - 1):
        with pytest.raises(SealError, match="chunk 2"):
            sealpy.open_bytes(ident(keydir, "alice"), big_env[:-cut])


def test_missing_last_chunk(keydir, big_env):
    prefix, wire = split(big_env)
    with pytest.raises(SealError, match="truncated.*not the last chunk"):
        sealpy.open_bytes(ident(keydir, "alice"), prefix + b"".join(wire[:-1]))
    with pytest.raises(SealError, match="payload missing"):
        sealpy.open_bytes(ident(keydir, "alice"), prefix)


def test_swapped_chunks(keydir, big_env):
    prefix, wire = split(big_env)
    with pytest.raises(SealError, match="chunk 0 failed authentication"):
        sealpy.open_bytes(ident(keydir, "alice"), prefix + wire[1] + wire[0] + wire[2])


def test_flipped_payload_byte(keydir, big_env):
    prefix, wire = split(big_env)
    bad = bytearray(big_env)
    bad[len(prefix) + 65552 + 100] ^= 0x04
    with pytest.raises(SealError, match="chunk 1 failed authentication"):
        sealpy.open_bytes(ident(keydir, "alice"), bytes(bad))


def test_trailing_garbage(keydir, big_env):
    for garbage in (b"\x00", b"x" * 15, os.urandom(16), os.urandom(70_000)):
        with pytest.raises(SealError, match="chunk 2|trailing"):
            sealpy.open_bytes(ident(keydir, "alice"), big_env + garbage)


def test_trailing_garbage_after_full_last_chunk(keydir):
    env = sealpy.seal_plaintext(os.urandom(65536), [recip(keydir, "alice")], "x25519", BUNDLE)
    assert len(split(env)[1]) == 1
    for garbage in (os.urandom(16), os.urandom(100), os.urandom(65552)):
        with pytest.raises(SealError, match="trailing data after the last chunk"):
            sealpy.open_bytes(ident(keydir, "alice"), env + garbage)
    with pytest.raises(SealError, match="shorter than its tag|trailing"):
        sealpy.open_bytes(ident(keydir, "alice"), env + b"\x00" * 5)


def test_empty_last_chunk_after_data_rejected(keydir):
    """A writer that emits an extra empty final chunk after full chunks is wrong."""
    fk, salt = os.urandom(32), os.urandom(16)
    env = sealpy.seal_plaintext(os.urandom(65536), [recip(keydir, "alice")], "x25519", BUNDLE,
                                file_key=fk, salt=salt)
    prefix, wire = split(env)
    a = AESGCM(sealpy.payload_key(fk, salt))
    pt0 = a.decrypt(sealpy.chunk_nonce(0, True), wire[0], None)
    bad = prefix + a.encrypt(sealpy.chunk_nonce(0, False), pt0, None) + a.encrypt(sealpy.chunk_nonce(1, True), b"", None)
    with pytest.raises(SealError, match="empty last chunk"):
        sealpy.open_bytes(ident(keydir, "alice"), bad)


@pytest.mark.parametrize("v", [2, 0, "1", True, 1.0])
def test_unknown_version(keydir, v):
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE,
                                header_hook=lambda h: h.update(v=v))
    with pytest.raises(SealError, match="unsupported envelope version"):
        sealpy.open_bytes(ident(keydir, "alice"), env)
    with pytest.raises(SealError, match="unsupported envelope version"):
        sealpy.parse_envelope(env)


def test_unknown_kid(keydir):
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "bob")], "xwing", BUNDLE)
    with pytest.raises(SealError, match="unknown kid"):
        sealpy.open_bytes(ident(keydir, "alice"), env)


def test_kid_swapped_between_stanzas_does_not_open(keydir):
    """alice's kid on bob's stanza: the HPKE info binds the kid, so it must fail."""
    def hook(h):
        s = h["stanzas"]
        s[0]["kid"], s[1]["kid"] = s[1]["kid"], s[0]["kid"]
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice"), recip(keydir, "bob")],
                                "x25519", BUNDLE, header_hook=hook)
    with pytest.raises(SealError, match="cannot decrypt the file key"):
        sealpy.open_bytes(ident(keydir, "alice"), env)


def test_header_length_bounds(keydir):
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE)
    for hlen in (0, 262145, 0xFFFFFFFF):
        bad = env[:6] + struct.pack(">I", hlen) + env[10:]
        with pytest.raises(SealError, match="header length .* out of bounds"):
            sealpy.open_bytes(ident(keydir, "alice"), bad)
    # a real header longer than the bound (padded with JSON whitespace)
    big = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE,
                                header_bytes_hook=lambda b: b + b" " * (262145 - len(b)))
    with pytest.raises(SealError, match="out of bounds"):
        sealpy.open_bytes(ident(keydir, "alice"), big)
    # exactly at the bound is fine
    ok = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE,
                               header_bytes_hook=lambda b: b + b" " * (262144 - len(b)))
    assert not sealpy.inspect_envelope(ok)["header_canonical"]
    sealpy.open_bytes(ident(keydir, "alice"), ok)


def test_header_truncated_and_bad_magic(keydir):
    env = sealpy.seal_plaintext(report_plaintext(), [recip(keydir, "alice")], "x25519", BUNDLE)
    (hlen,) = struct.unpack(">I", env[6:10])
    for n in (0, 3, 6, 9, 10 + hlen, 10 + hlen + 31):
        with pytest.raises(SealError, match="truncated|bad magic"):
            sealpy.parse_envelope(env[:n])
    with pytest.raises(SealError, match="bad magic"):
        sealpy.parse_envelope(b"SEAL2\n" + env[6:])


def _mk(keydir, hook=None, bytes_hook=None, recips=("alice",), suite="x25519"):
    return sealpy.seal_plaintext(report_plaintext(), [recip(keydir, n) for n in recips], suite, BUNDLE,
                                 header_hook=hook, header_bytes_hook=bytes_hook)


def _set_stanza(key, value, i=0):
    def hook(h):
        h["stanzas"][i][key] = value
    return hook


@pytest.mark.parametrize("hook,match", [
    (lambda h: h.update(extra=1), "unknown key"),
    (lambda h: h.pop("salt"), "missing key"),
    (lambda h: h.update(chunk=65535), "chunk size"),
    (lambda h: h.update(chunk=True), "chunk size"),
    (lambda h: h.update(bundle=BUNDLE.upper()), "bundle"),
    (lambda h: h.update(bundle=BUNDLE[:-1]), "bundle"),
    (lambda h: h.update(salt=sealpy.b64url_encode(bytes(15))), "salt"),
    (lambda h: h.update(salt=sealpy.b64url_encode(bytes(16)) + "=="), "salt"),
    (lambda h: h.update(stanzas=[]), "stanzas"),
    (lambda h: h.update(stanzas={}), "stanzas"),
    (lambda h: h["stanzas"][0].update(extra=""), "stanza 0: unknown key"),
    (lambda h: h["stanzas"][0].pop("enc"), "stanza 0: missing key"),
    (_set_stanza("suite", "x25519-hkdf-sha256-chacha20poly1305"), "unknown suite"),
    (_set_stanza("ct", sealpy.b64url_encode(bytes(47))), "ct: expected 48 bytes"),
    (_set_stanza("ct", sealpy.b64url_encode(bytes(64))), "ct: expected 48 bytes"),
    (_set_stanza("enc", sealpy.b64url_encode(bytes(33))), "enc: expected 32 bytes"),
    (_set_stanza("kid", sealpy.b64url_encode(bytes(17))), "kid: expected 16 bytes"),
    (lambda h: h.__setitem__("stanzas", h["stanzas"] * 65), "stanzas"),
    (lambda h: h.__setitem__("stanzas", [h["stanzas"][0], h["stanzas"][0]]), "duplicate kid"),
])
def test_header_shape_rejected(keydir, hook, match):
    env = _mk(keydir, hook)
    with pytest.raises(SealError, match=match):
        sealpy.parse_envelope(env)
    with pytest.raises(SealError, match=match):
        sealpy.open_bytes(ident(keydir, "alice"), env)


@pytest.mark.parametrize("bytes_hook,match", [
    (lambda b: b[:-1] + b',"v":1}', "duplicate JSON key"),
    (lambda b: b.replace(b'"chunk":65536', b'"chunk":NaN'), "NaN"),
    (lambda b: b"\xff" + b, "UTF-8"),
    (lambda b: b[:-1], "not valid JSON"),
    (lambda b: b"[]", "not a JSON object"),
    (lambda b: b"", "header length 0 out of bounds"),
])
def test_header_json_rejected(keydir, bytes_hook, match):
    with pytest.raises(SealError, match=match):
        sealpy.parse_envelope(_mk(keydir, bytes_hook=bytes_hook))


def test_mixed_suites_rejected(keydir):
    xw = _mk(keydir, recips=("bob",), suite="xwing")
    xw_stanza = json.loads(sealpy.parse_envelope(xw).header_bytes)["stanzas"][0]
    env = _mk(keydir, hook=lambda h: h["stanzas"].append(xw_stanza))
    with pytest.raises(SealError, match="mix suites"):
        sealpy.parse_envelope(env)


def test_low_order_enc_rejected(keydir):
    env = _mk(keydir, _set_stanza("enc", sealpy.b64url_encode(bytes(32))))
    with pytest.raises(SealError, match="low-order"):
        sealpy.open_bytes(ident(keydir, "alice"), env)


def test_non_canonical_b64_in_stanza(keydir):
    def hook(h):
        kid = h["stanzas"][0]["kid"]          # 22 chars, last carries 4 unused bits
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(kid[-1])
        h["stanzas"][0]["kid"] = kid[:-1] + alphabet[last | 1 if last % 16 == 0 else last - (last % 16)]
    env = _mk(keydir, hook)
    with pytest.raises(SealError, match="non-canonical base64url"):
        sealpy.parse_envelope(env)


# ---------------------------------------------------------------------------
# negative cases: report container
# ---------------------------------------------------------------------------

def _seal_pt(keydir, pt, suite="x25519"):
    return sealpy.seal_plaintext(pt, [recip(keydir, "alice")], suite, BUNDLE)


def _files():
    return [("a.txt", "text/plain", b"hello file")]


def test_padding_not_zero(keydir):
    m = sealpy.make_manifest("pad", _files())
    pt = sealpy.build_container(m, [b"hello file"])
    assert len(pt) == 16384
    bad = pt[:-1] + b"\x01"
    with pytest.raises(SealError, match="padding is not all zero"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, bad))
    bad = sealpy.build_container(m, [b"hello file"], pad_byte=0xFF)
    with pytest.raises(SealError, match="padding is not all zero"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, bad))
    sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, pt))


def test_padded_length_wrong(keydir):
    m = sealpy.make_manifest("pad", _files())
    for n in (16383, 16385, 17408, 32768):
        with pytest.raises(SealError, match="padded length"):
            sealpy.open_bytes(ident(keydir, "alice"),
                              _seal_pt(keydir, sealpy.build_container(m, [b"hello file"], padded_len=n)))
    # unpadded container (a writer that forgot padding)
    raw = sealpy.build_container(m, [b"hello file"], padded_len=4 + len(sealpy.canonical_json(m)) + 10)
    with pytest.raises(SealError, match="padded length"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, raw))


def test_file_hash_and_size_mismatch(keydir):
    m = sealpy.make_manifest("h", _files())
    with pytest.raises(SealError, match="SHA-256 does not match"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, sealpy.build_container(m, [b"hello filE"])))
    m2 = sealpy.make_manifest("h", _files())
    m2["files"][0]["size"] = 11   # claims one more byte: eats a padding zero, hash then fails
    with pytest.raises(SealError, match="SHA-256 does not match"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, sealpy.build_container(m2, [b"hello file"])))
    m3 = sealpy.make_manifest("h", _files())
    m3["files"][0]["size"] = 20000  # runs past the plaintext
    with pytest.raises(SealError, match="padded length|size mismatch"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, sealpy.build_container(m3, [b"hello file"])))


def test_manifest_lone_surrogate_rejected(keydir):
    m = sealpy.make_manifest("PLACEHOLDER", _files())
    mb = sealpy.canonical_json(m).replace(b"PLACEHOLDER", b"\\ud800")
    body = struct.pack(">I", len(mb)) + mb + b"hello file"
    pt = body + bytes(sealpy.padded_length(len(body)) - len(body))
    with pytest.raises(SealError, match="message must be a valid Unicode string"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, pt))


def test_manifest_length_bounds(keydir):
    for mlen in (0, 16384, 0xFFFFFFFF):
        pt = struct.pack(">I", mlen) + bytes(16380)
        with pytest.raises(SealError, match="manifest length"):
            sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, pt))
    with pytest.raises(SealError, match="too short"):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, b"\x00\x00"))


def _mf(**changes):
    m = sealpy.make_manifest("m", _files())
    for k, v in changes.items():
        if v is KeyError:
            m.pop(k)
        else:
            m[k] = v
    return m


@pytest.mark.parametrize("manifest,match", [
    (_mf(v=2), "unsupported manifest version"),
    (_mf(extra=1), "unknown key"),
    (_mf(thread=KeyError), "missing key"),
    (_mf(reply=KeyError), "lacks reply"),
    (_mf(kind="reply"), "must not carry reply"),
    (_mf(kind="note"), "kind"),
    (_mf(client="seal-cli/2"), "client"),
    (_mf(message=5), "message"),
    (_mf(thread=sealpy.b64url_encode(bytes(15))), "thread"),
    (_mf(reply={"key": sealpy.b64url_encode(bytes(32)), "mailbox": sealpy.b64url_encode(bytes(16))}), "low-order"),
    (_mf(reply={"key": sealpy.b64url_encode(b"\x09" + bytes(31))}), "missing key"),
    (_mf(scrubbed=[{"name": "nope.txt", "removed": []}]), "not one of the files"),
    (_mf(scrubbed=[{"name": "a.txt", "removed": "GPS"}]), "removed"),
    (_mf(unscrubbed=["nope.txt"]), "unscrubbed"),
])
def test_manifest_shape_rejected(keydir, manifest, match):
    pt = sealpy.build_container(manifest, [b"hello file"])
    with pytest.raises(SealError, match=match):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, pt))


@pytest.mark.parametrize("field,value,match", [
    ("size", -1, "size"), ("size", True, "size"), ("size", 10.0, "size"),
    ("sha256", "AB" * 32, "sha256"), ("name", "", "name"), ("type", None, "type"),
])
def test_manifest_file_entry_rejected(keydir, field, value, match):
    m = sealpy.make_manifest("m", _files())
    m["files"][0][field] = value
    with pytest.raises(SealError, match=match):
        sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, sealpy.build_container(m, [b"hello file"])))


def test_manifest_with_scrub_report_accepted(keydir):
    m = sealpy.make_manifest("m", _files(), scrubbed=[{"name": "a.txt", "removed": ["EXIF:GPSLatitude"]}],
                             unscrubbed=[])
    assert "unscrubbed" not in m
    _, c = sealpy.open_bytes(ident(keydir, "alice"), _seal_pt(keydir, sealpy.build_container(m, [b"hello file"])))
    assert c.manifest["scrubbed"][0]["removed"] == ["EXIF:GPSLatitude"]


# ---------------------------------------------------------------------------
# output directory behaviour
# ---------------------------------------------------------------------------

def test_failure_leaves_nothing(keydir, tmp_path, big_env):
    envp = write(tmp_path, "bad.seal", big_env[:-1])
    out = tmp_path / "out"
    with pytest.raises(SealError):
        sealpy.open_envelope(sec(keydir, "alice"), envp, str(out))
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.seal"]
    # an existing empty directory stays empty
    out.mkdir()
    with pytest.raises(SealError):
        sealpy.open_envelope(sec(keydir, "alice"), envp, str(out))
    assert os.listdir(out) == []
    assert sorted(os.listdir(tmp_path)) == ["bad.seal", "out"]


def test_refuses_non_empty_out_dir(keydir, tmp_path):
    env = str(tmp_path / "e.seal")
    sealpy.encrypt([pub(keydir, "alice")], "x25519", BUNDLE, "x", [], env)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep").write_text("mine")
    with pytest.raises(SealError, match="not empty"):
        sealpy.open_envelope(sec(keydir, "alice"), env, str(out))
    assert os.listdir(out) == ["keep"]


def test_hostile_file_names_are_sanitised(keydir, tmp_path):
    names = ["../../escape.txt", "/etc/passwd", "..", "manifest.json", "dir\\win.txt", "a.txt", "a.txt", ""]
    files = [(n, "text/plain", f"content {i}".encode()) for i, n in enumerate(names)]
    m = sealpy.make_manifest("names", files)
    pt = sealpy.build_container(m, [b for _, _, b in files])
    envp = write(tmp_path, "n.seal", _seal_pt(keydir, pt))
    out = tmp_path / "sub" / "out"
    with pytest.raises(SealError, match="name"):      # "" is not a valid manifest name
        sealpy.open_envelope(sec(keydir, "alice"), envp, str(out))
    names = names[:-1]
    files = files[:-1]
    m = sealpy.make_manifest("names", files)
    envp = write(tmp_path, "n2.seal", _seal_pt(keydir, sealpy.build_container(m, [b for _, _, b in files])))
    r = sealpy.open_envelope(sec(keydir, "alice"), envp, str(out))
    written = sorted(os.listdir(out))
    assert written == sorted(["manifest.json", "message.txt", "escape.txt", "passwd", "file-2",
                              "3-manifest.json", "win.txt", "a.txt", "6-a.txt"])
    assert not (tmp_path / "escape.txt").exists()
    for p, (_, _, blob) in zip(r.paths, files):
        assert os.path.dirname(p) == str(out)
        assert open(p, "rb").read() == blob
    assert json.loads((out / "manifest.json").read_bytes())["message"] == "names"


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

SEALPY = os.path.join(HERE, "sealpy.py")


def run_cli(*args):
    return subprocess.run([sys.executable, SEALPY, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("suite", SUITES)
def test_cli_round_trip(tmp_path, suite):
    r = run_cli("keygen", "--name", "rev", "--out", str(tmp_path / "k"))
    assert r.returncode == 0, r.stderr
    att = write(tmp_path, "doc.pdf", b"%PDF-1.4 fake")
    env = str(tmp_path / "x.seal")
    r = run_cli("encrypt", "--pub", str(tmp_path / "k" / "rev.pub"), "--suite", suite, "--bundle-id", BUNDLE,
                "--message", "from the CLI", "--attach", att, "--out", env)
    assert r.returncode == 0, r.stderr
    r = run_cli("open", "--key", str(tmp_path / "k" / "rev.seckey"), env, "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "message.txt").read_text() == "from the CLI"
    assert (tmp_path / "o" / "doc.pdf").read_bytes() == b"%PDF-1.4 fake"
    m = json.loads((tmp_path / "o" / "manifest.json").read_bytes())
    assert m["files"][0]["type"] == "application/pdf"
    r = run_cli("inspect", env)
    assert r.returncode == 0 and json.loads(r.stdout)["suite"] == sealpy.SUITE_ALIASES[suite]


def test_cli_errors_are_one_line(keydir, tmp_path, big_env):
    envp = write(tmp_path, "t.seal", big_env + b"junk")
    r = run_cli("open", "--key", sec(keydir, "alice"), envp, "--out", str(tmp_path / "o"))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("sealpy: error: ")
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
    r = run_cli("open", "--key", str(tmp_path / "missing.seckey"), envp, "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "cannot read" in r.stderr
    r = run_cli("open", "--key", sec(keydir, "bob"), envp, "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and "unknown kid" in r.stderr
    r = run_cli("encrypt", "--pub", pub(keydir, "alice"), "--bundle-id", "xyz", "--message", "m",
                "--out", str(tmp_path / "z.seal"))
    assert r.returncode == 1 and "bundle id" in r.stderr and not (tmp_path / "z.seal").exists()
    r = run_cli("open", "--key", sec(keydir, "alice"))
    assert r.returncode == 2
