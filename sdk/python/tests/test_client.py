import json
import threading
import unittest
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from stagecoach_provider import Client, StagecoachError


class FakeServer:
    """An HTTP server on 127.0.0.1 whose answer(n, method, path, body)
    returns (status, content type, body, headers); it records every request."""

    def __init__(self, test, answer):
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8")
                fake.requests.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
                status, ctype, out, extra = answer(len(fake.requests), self.command, self.path, body)
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        test.addCleanup(self.server.server_close)
        test.addCleanup(self.server.shutdown)
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.client = Client(self.base + "/v1/", "sk_test", max_retries=3)
        self.client.sleep = lambda s: None


def ok(value, status=200):
    return status, "application/json", value, None


def problem(status, code, detail, errors=None, extra=None):
    p = {"type": "https://stagecoach.dev/problems/" + code, "title": "Problem", "status": status, "detail": detail}
    if errors:
        p["errors"] = errors
    return status, "application/problem+json", p, extra


class ClientTest(unittest.TestCase):
    def test_list_orders_follows_next_cursor_and_sends_filters(self):
        pages = {"": (["o1", "o2"], "c1"), "c1": (["o3"], "c2"), "c2": ([], None)}

        def answer(n, method, path, body):
            cur = parse_qs(urlsplit(path).query).get("cursor", [""])[0]
            ids, nxt = pages[cur]
            return ok({"data": [{"id": i} for i in ids], "nextCursor": nxt})

        f = FakeServer(self, answer)
        since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        ids = [o["id"] for o in f.client.list_orders(status="invited", updatedSince=since, limit=2)]
        self.assertEqual(ids, ["o1", "o2", "o3"])
        self.assertEqual(len(f.requests), 3)
        first = urlsplit(f.requests[0]["path"])
        self.assertEqual(first.path, "/v1/orders")
        q = parse_qs(first.query)
        self.assertEqual(q["status"], ["invited"])
        self.assertEqual(q["updatedSince"], ["2026-01-02T03:04:05+00:00"])
        self.assertEqual(q["limit"], ["2"])
        self.assertEqual(parse_qs(urlsplit(f.requests[2]["path"]).query)["cursor"], ["c2"])
        self.assertEqual(f.requests[0]["headers"]["Authorization"], "Bearer sk_test")
        with self.assertRaisesRegex(ValueError, "unknown filter 'stauts'"):
            f.client.list_orders(stauts="invited")
        with self.assertRaisesRegex(ValueError, "timezone-aware"):
            f.client.list_orders(updatedSince=datetime(2026, 1, 1))

    def test_stopping_early_fetches_no_further_page(self):
        f = FakeServer(self, lambda n, m, p, b: ok({"data": [{"id": "a"}, {"id": "b"}], "nextCursor": "more"}))
        for x in f.client.list_exports(status="exported"):
            self.assertEqual(x["id"], "a")
            break
        self.assertEqual(len(f.requests), 1)

    def test_every_post_carries_an_idempotency_key_kept_across_retries(self):
        def answer(n, method, path, body):
            if n == 2:
                return problem(503, "internal", "try again")
            return ok({"id": "ord_1", "status": "invited"})

        f = FakeServer(self, answer)
        f.client.report_event("ord_1", {"type": "invited", "candidateUrl": "https://tool.example/i/1"})
        f.client.report_event("ord_1", {"type": "started"}, idempotency_key="ord_1:started")
        f.client.sync_postings("int_1")
        keys = [r["headers"]["Idempotency-Key"] for r in f.requests]
        self.assertEqual(len(keys), 4)
        self.assertRegex(keys[0], "^[0-9a-f]{32}$")
        self.assertEqual(keys[1:3], ["ord_1:started", "ord_1:started"])
        self.assertRegex(keys[3], "^[0-9a-f]{32}$")
        self.assertNotEqual(keys[0], keys[3])
        self.assertEqual(f.requests[1]["body"], '{"type":"started"}')
        self.assertEqual(f.requests[0]["path"], "/v1/orders/ord_1/events")
        self.assertEqual(f.requests[3]["path"], "/v1/integrations/int_1/posting-sync")

    def test_problem_json_is_a_stagecoach_error_and_4xx_is_not_retried(self):
        errs = [{"field": "score", "message": "must be ≤ maxScore"}]
        f = FakeServer(self, lambda n, m, p, b: problem(400, "invalid", "completed: score must be between 0 and maxScore", errs))
        with self.assertRaises(StagecoachError) as cm:
            f.client.report_event("ord_1", {"type": "completed", "score": 120, "maxScore": 100})
        e = cm.exception
        self.assertEqual((e.status, e.code), (400, "invalid"))
        self.assertEqual(e.detail, "completed: score must be between 0 and maxScore")
        self.assertEqual(e.errors, errs)
        self.assertTrue(str(e).startswith("stagecoach: 400 Problem: completed: score"))
        self.assertEqual(len(f.requests), 1)

    def test_429_and_5xx_are_retried_honouring_retry_after(self):
        def answer(n, method, path, body):
            if n == 1:
                return problem(429, "too_many", "slow down", extra={"Retry-After": "7"})
            if n < 4:
                return problem(502, "internal", "upstream")
            return ok({"id": "imocha", "name": "iMocha", "kind": "assessment"})

        f = FakeServer(self, answer)
        waits = []
        f.client.sleep = waits.append
        self.assertEqual(f.client.me()["id"], "imocha")
        self.assertEqual(len(f.requests), 4)
        self.assertEqual(waits[0], 7.0)

        g = FakeServer(self, lambda n, m, p, b: problem(500, "internal", "down"))
        with self.assertRaises(StagecoachError) as cm:
            g.client.get_order("ord_9")
        self.assertEqual(cm.exception.status, 500)
        self.assertEqual(len(g.requests), 4)

    def test_an_answer_that_is_not_problem_json_is_still_a_stagecoach_error(self):
        f = FakeServer(self, lambda n, m, p, b: (404, "text/html", b"<html>no such page</html>", None))
        with self.assertRaises(StagecoachError) as cm:
            f.client.get_export("exp_1")
        self.assertEqual((cm.exception.status, cm.exception.type), (404, "about:blank"))
        self.assertEqual(cm.exception.detail, "<html>no such page</html>")

    def test_routes(self):
        def answer(n, method, path, body):
            route = method + " " + path
            if route == "PUT /v1/packages":
                return ok({"data": json.loads(body)["packages"]})
            if route in ("GET /v1/packages", "GET /v1/integrations"):
                return ok({"data": [{"id": "x"}], "nextCursor": None})
            if route == "PUT /v1/integrations/int%2F1/kit-map":
                return ok(json.loads(body))
            if route == "POST /v1/exports":
                return ok({"id": "exp_1", "status": "pending"}, 201)
            if route == "POST /v1/exports/exp_1/stage":
                return ok({"id": "exp_1", "stage": json.loads(body)["stage"]})
            return ok({"route": route, "data": []})

        f = FakeServer(self, answer)
        c = f.client
        pkgs = [{"id": "go", "name": "Go", "kind": "assessment", "leverTag": "Tool: Go"}]
        self.assertEqual(c.publish_packages(pkgs), pkgs)
        self.assertEqual(c.list_packages(), [{"id": "x"}])
        self.assertEqual(c.list_integrations(), [{"id": "x"}])
        self.assertEqual(c.get_integration("int_1")["route"], "GET /v1/integrations/int_1")
        self.assertEqual(c.get_kit_map("int_1")["route"], "GET /v1/integrations/int_1/kit-map")
        self.assertEqual(c.set_kit_map("int/1", "general"), {"defaultPackage": "general", "postingPackages": {}})
        self.assertEqual(c.get_lever_event("evt_1")["route"], "GET /v1/lever-events/evt_1")
        self.assertEqual(c.get_order("ord_1")["route"], "GET /v1/orders/ord_1")
        self.assertEqual(c.openapi()["route"], "GET /v1/openapi.json")
        x, created = c.export_candidate({"providerCandidateId": "hj-1", "outcome": "successful", "candidate": {"name": "Ada"}})
        self.assertEqual((x["id"], created), ("exp_1", True))
        self.assertEqual(c.report_export_stage("exp_1", "Onsite")["stage"], "Onsite")
        list(c.list_lever_events(opportunity="opp 1"))
        self.assertEqual(f.requests[-1]["path"], "/v1/lever-events?opportunity=opp+1")
        with self.assertRaisesRegex(ValueError, "order id is empty"):
            c.get_order("")
        with self.assertRaisesRegex(ValueError, "event type is empty"):
            c.report_event("ord_1", {})
        with self.assertRaisesRegex(ValueError, "providerCandidateId is empty"):
            c.export_candidate({"outcome": "successful"})

    def test_rotate_webhook_secret_posts_the_grace_and_is_not_retried(self):
        def answer(n, method, path, body):
            if n == 1:
                return ok({"webhookSecret": "whsec_new", "previousSecretExpiresAt": "2026-01-02T15:04:05Z"})
            return problem(503, "unavailable", "down")

        f = FakeServer(self, answer)
        got = f.client.rotate_webhook_secret(grace_seconds=3600)
        self.assertEqual(got, {"webhookSecret": "whsec_new", "previousSecretExpiresAt": "2026-01-02T15:04:05Z"})
        req = f.requests[0]
        self.assertEqual((req["method"], req["path"]), ("POST", "/v1/me/webhook-secret/rotate"))
        self.assertEqual(json.loads(req["body"]), {"graceSeconds": 3600})
        self.assertIsNone(req["headers"].get("Idempotency-Key"))
        # A failed rotation is answered to the caller, not sent again.
        with self.assertRaises(StagecoachError) as cm:
            f.client.rotate_webhook_secret()
        self.assertEqual(cm.exception.status, 503)
        self.assertEqual(len(f.requests), 2)
        self.assertEqual(f.requests[1]["body"], "")
        with self.assertRaisesRegex(ValueError, "grace_seconds"):
            f.client.rotate_webhook_secret(grace_seconds=-1)
        self.assertEqual(len(f.requests), 2)

    def test_bad_options_are_named_and_the_key_never_shown(self):
        with self.assertRaisesRegex(ValueError, "base_url must be an http"):
            Client("stagecoach.example", "k")
        with self.assertRaisesRegex(ValueError, "api_key is empty"):
            Client("https://stagecoach.example", "")
        self.assertNotIn("sk_secret", repr(Client("https://stagecoach.example", "sk_secret")))


if __name__ == "__main__":
    unittest.main()
