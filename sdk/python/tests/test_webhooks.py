import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import unittest

from stagecoach_provider import WebhookVerificationError, WebhookVerifier

# A webhook signed by the Go server's signer (internal/outbound), checked in
# by internal/e2e/sdk_test.go, which also checks that the Go signer still signs it so.
with open(os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "webhook-vector.json"), encoding="utf-8") as f:
    VECTOR = json.load(f)


def vector_now():
    return float(VECTOR["headers"]["webhook-timestamp"])


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, ("%s.%d." % (msg_id, ts)).encode() + body.encode(), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed(secret, body, ts=None):
    ts = int(time.time()) if ts is None else ts
    msg_id = "msg_" + secrets.token_hex(6)
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sign(secret, msg_id, ts, body)}


class WebhookTest(unittest.TestCase):
    def refused(self, reason, fn):
        with self.assertRaises(WebhookVerificationError) as cm:
            fn()
        self.assertEqual(cm.exception.reason, reason)

    def test_go_signed_webhook_verifies_with_either_secret_of_a_rotation(self):
        for s in (VECTOR["secret"], [VECTOR["secret"]], [VECTOR["previousSecret"]], [new_secret(), VECTOR["previousSecret"]]):
            v = WebhookVerifier(s, now=vector_now)
            m = v.verify(VECTOR["headers"], VECTOR["body"].encode("utf-8"))
            self.assertEqual(m.id, "msg_2vYx8Z")
            self.assertEqual(m.type, "order.created")
            self.assertEqual(m.data["candidate"]["name"], "Zoë Ångström")

    def test_headers_in_any_case_as_an_http_message(self):
        import email.message
        h = email.message.Message()
        for k, val in VECTOR["headers"].items():
            h[k.title()] = val
        v = WebhookVerifier(VECTOR["secret"], now=vector_now)
        self.assertEqual(v.verify(h, VECTOR["body"]).data["id"], "ord_01jvector")
        upper = {k.upper(): val for k, val in VECTOR["headers"].items()}
        self.assertEqual(v.verify(upper, VECTOR["body"]).data["id"], "ord_01jvector")

    def test_tampered_body_id_or_timestamp_is_refused(self):
        v = WebhookVerifier(VECTOR["secret"], now=vector_now, tolerance=0)
        h = VECTOR["headers"]
        self.refused("signature", lambda: v.verify(h, VECTOR["body"].replace("Backend", "Frontend")))
        self.refused("signature", lambda: v.verify(dict(h, **{"webhook-id": "msg_other"}), VECTOR["body"]))
        later = str(int(h["webhook-timestamp"]) + 1)
        self.refused("signature", lambda: v.verify(dict(h, **{"webhook-timestamp": later}), VECTOR["body"]))

    def test_a_secret_that_signed_nothing_is_refused(self):
        v = WebhookVerifier(new_secret(), now=vector_now)
        self.refused("signature", lambda: v.verify(VECTOR["headers"], VECTOR["body"]))

    def test_reserialised_json_does_not_verify(self):
        v = WebhookVerifier(VECTOR["secret"], now=vector_now)
        parsed = json.loads(VECTOR["body"])
        self.refused("signature", lambda: v.verify(VECTOR["headers"], json.dumps(parsed)))
        with self.assertRaisesRegex(TypeError, "raw request bytes"):
            v.verify(VECTOR["headers"], parsed)

    def test_timestamp_within_tolerance_either_way(self):
        secret = new_secret()
        body = '{"type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{}}'
        now = 1800000000
        v = WebhookVerifier(secret, now=lambda: now)
        self.assertEqual(v.verify(signed(secret, body, now - 299), body).type, "order.created")
        self.assertEqual(v.verify(signed(secret, body, now + 299), body).type, "order.created")
        self.refused("timestamp", lambda: v.verify(signed(secret, body, now - 301), body))
        self.refused("timestamp", lambda: v.verify(signed(secret, body, now + 301), body))
        self.refused("timestamp", lambda: v.verify(dict(signed(secret, body, now), **{"webhook-timestamp": "soon"}), body))
        lax = WebhookVerifier(secret, now=lambda: now, tolerance=0)
        self.assertEqual(lax.verify(signed(secret, body, now - 86400), body).type, "order.created")

    def test_missing_headers_are_refused(self):
        secret = new_secret()
        h = signed(secret, "{}")
        v = WebhookVerifier(secret)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            without = {k: val for k, val in h.items() if k != name}
            self.refused("missing_headers", lambda: v.verify(without, "{}"))

    def test_other_versions_and_bad_base64_are_skipped(self):
        secret = new_secret()
        body = '{"type":"job.synced","timestamp":"2026-01-01T00:00:00Z","data":{}}'
        h = signed(secret, body)
        v = WebhookVerifier(secret)
        noise = "v2,AAAA v1,@@@ v1a"
        self.assertEqual(v.verify(dict(h, **{"webhook-signature": noise + " " + h["webhook-signature"]}), body).type, "job.synced")
        self.refused("signature", lambda: v.verify(dict(h, **{"webhook-signature": noise}), body))

    def test_bad_secret_is_refused_without_echoing_it(self):
        for bad in ("", "whsec_", "whsec_not*base64!", 42):
            with self.assertRaises(ValueError) as cm:
                WebhookVerifier(bad)
            self.assertNotIn("base64!", str(cm.exception))
        with self.assertRaises(ValueError):
            WebhookVerifier([])
        raw = base64.b64encode(secrets.token_bytes(24)).decode()
        h = signed("whsec_" + raw, "{}")
        self.assertEqual(WebhookVerifier(raw).verify(h, b"{}").id, h["webhook-id"])
        self.assertNotIn(raw, repr(WebhookVerifier(raw)))


if __name__ == "__main__":
    unittest.main()
