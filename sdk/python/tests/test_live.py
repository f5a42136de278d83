"""Against a running server: run by internal/e2e's
TestSDKSampleProvidersEndToEnd once the sample provider completed an order,
with STAGECOACH_TEST_URL, STAGECOACH_TEST_API_KEY, STAGECOACH_TEST_ORDER and
STAGECOACH_TEST_OPPORTUNITY set. Skipped without them."""

import os
import unittest

from stagecoach_provider import Client, StagecoachError

ENV = os.environ


@unittest.skipUnless(ENV.get("STAGECOACH_TEST_URL"), "STAGECOACH_TEST_URL is not set: no server to test against")
class LiveTest(unittest.TestCase):
    def problem(self, fn, *args, **kwargs):
        with self.assertRaises(StagecoachError) as cm:
            fn(*args, **kwargs)
        return cm.exception

    def test_the_client_against_a_running_stagecoach(self):
        sc = Client(ENV["STAGECOACH_TEST_URL"], ENV["STAGECOACH_TEST_API_KEY"])
        order_id = ENV["STAGECOACH_TEST_ORDER"]

        self.assertEqual(sc.me()["kind"], "assessment")
        self.assertEqual([p["id"] for p in sc.list_packages()], ["go-coding"])

        order = sc.get_order(order_id)
        self.assertEqual(order["status"], "completed")
        self.assertEqual(order["result"]["maxScore"], 100)
        self.assertEqual([o["id"] for o in sc.list_orders(status="completed", limit=1)], [order_id])
        self.assertEqual(list(sc.list_orders(status="invited")), [])

        integration = sc.list_integrations()[0]
        self.assertEqual(sc.get_integration(integration["id"])["settings"]["triggerStage"], "Assessment")

        events = list(sc.list_lever_events(opportunity=ENV["STAGECOACH_TEST_OPPORTUNITY"]))
        self.assertTrue(any(d["decision"] == "ordered" and d["orderId"] == order_id
                            for e in events for d in e["decisions"]), events)
        self.assertEqual(sc.get_lever_event(events[0]["id"])["id"], events[0]["id"])

        # Problems: typed, with the code, status and detail the server gave.
        conflict = self.problem(sc.report_event, order_id, {"type": "started"})
        self.assertEqual((conflict.status, conflict.code), (409, "conflict"))
        invalid = self.problem(sc.report_event, order_id, {"type": "invited", "candidateUrl": "not a link"})
        self.assertEqual((invalid.status, invalid.code), (400, "invalid"))
        self.assertTrue(any(f["field"] == "candidateUrl" for f in invalid.errors), invalid.errors)
        self.assertEqual(self.problem(sc.get_order, "ord_nosuchorder").code, "not_found")
        forbidden = self.problem(sc.export_candidate, {"providerCandidateId": "c1", "outcome": "successful", "candidate": {"name": "A"}})
        self.assertEqual(forbidden.code, "forbidden")
        self.assertEqual(self.problem(Client(ENV["STAGECOACH_TEST_URL"], "sc_wrong").me).status, 401)


if __name__ == "__main__":
    unittest.main()
