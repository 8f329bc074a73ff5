#!/usr/bin/env python3
"""Writes a seed corpus for the verify_request_json target from beh-sign/fixtures:
valid raw and CMS requests, and a few broken ones, so that fuzzing starts past the JSON layer.
Usage (from fuzz/): python3 make-seeds.py && cargo +nightly fuzz run verify_request_json"""
import base64, json, os, pathlib

FX = pathlib.Path(__file__).resolve().parent.parent / "beh-sign" / "fixtures"
OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "verify_request_json"
FREDRIK = "SE2321000131-P000000230148"


def text(p):
    return (FX / p).read_text()


def b64(p):
    return base64.b64encode((FX / p).read_bytes()).decode()


anchors = [text("ca/root-ca.pem")]
crls = [text("crl/person-ca.crl.pem"), text("crl/root-ca.crl.pem")]
chain = [text(f"persons/{FREDRIK}-sign.pem"), text("ca/person-ca.pem")]
seeds = {
    "raw": {"tbs": b64("sig/tbs.bin"), "signature": b64("sig/rsa.sig"), "certificates": chain,
            "trust_anchors": anchors, "crls": crls, "expected_signer": FREDRIK},
    "raw-tampered": {"tbs": b64("sig/tbs.bin"), "signature": b64("sig/tampered-rsa.sig"),
                     "certificates": chain, "trust_anchors": anchors},
    "cms-detached": {"cms": b64("cms/detached.der"), "tbs": b64("sig/tbs.bin"),
                     "trust_anchors": anchors, "crls": crls},
    "cms-enveloping": {"cms": b64("cms/enveloping.der"), "trust_anchors": anchors,
                       "at": "2030-01-01T12:00:00Z"},
    "cms-p256": {"cms": b64("cms/p256-detached.der"), "tbs": b64("sig/tbs.bin"),
                 "trust_anchors": anchors},
    "no-anchor": {"cms": b64("cms/detached.der")},
}
OUT.mkdir(parents=True, exist_ok=True)
for name, req in seeds.items():
    (OUT / name).write_text(json.dumps(req))
print(f"{len(seeds)} seeds in {OUT}")
