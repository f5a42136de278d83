// Against a running server: run by internal/e2e's TestSDKSampleProvidersEndToEnd
// once the sample provider completed an order, with STAGECOACH_TEST_URL,
// STAGECOACH_TEST_API_KEY, STAGECOACH_TEST_ORDER and STAGECOACH_TEST_OPPORTUNITY
// set. Skipped without them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StagecoachClient, StagecoachError, toArray } from "../index.js";

const env = process.env;
const skip = env.STAGECOACH_TEST_URL ? false : "STAGECOACH_TEST_URL is not set: no server to test against";

async function problem(promise) {
  const e = await promise.then(() => null, (err) => err);
  assert.ok(e instanceof StagecoachError, `want a StagecoachError, got ${e}`);
  return e;
}

test("every route the client calls, and the problems, against a running stagecoach", { skip }, async () => {
  const sc = new StagecoachClient({ baseUrl: env.STAGECOACH_TEST_URL, apiKey: env.STAGECOACH_TEST_API_KEY });
  const orderId = env.STAGECOACH_TEST_ORDER;

  const me = await sc.me();
  assert.equal(me.kind, "assessment");
  const pkgs = await sc.listPackages();
  assert.deepEqual(pkgs.map((p) => p.id), ["go-coding"]);

  const order = await sc.getOrder(orderId);
  assert.equal(order.status, "completed");
  assert.equal(order.result.maxScore, 100);
  const listed = await toArray(sc.listOrders({ status: "completed", limit: 1 }));
  assert.deepEqual(listed.map((o) => o.id), [orderId]);
  assert.deepEqual(await toArray(sc.listOrders({ status: "invited" })), []);

  const [integration] = await sc.listIntegrations();
  assert.equal((await sc.getIntegration(integration.id)).settings.triggerStage, "Assessment");

  const events = await toArray(sc.listLeverEvents({ opportunity: env.STAGECOACH_TEST_OPPORTUNITY }));
  assert.ok(events.some((e) => e.decisions.some((d) => d.decision === "ordered" && d.orderId === orderId)), JSON.stringify(events));
  assert.equal((await sc.getLeverEvent(events[0].id)).id, events[0].id);

  // Problems: typed, with the code, status and detail the server gave.
  const conflict = await problem(sc.reportEvent(orderId, { type: "started" }));
  assert.equal(conflict.code, "conflict");
  assert.equal(conflict.status, 409);
  const invalid = await problem(sc.reportEvent(orderId, { type: "invited", candidateUrl: "not a link" }));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.code, "invalid");
  assert.ok(invalid.errors.some((f) => f.field === "candidateUrl"), JSON.stringify(invalid.errors));
  const missing = await problem(sc.getOrder("ord_nosuchorder"));
  assert.equal(missing.code, "not_found");
  const forbidden = await problem(sc.exportCandidate({ providerCandidateId: "c1", outcome: "successful", candidate: { name: "A" } }));
  assert.equal(forbidden.code, "forbidden");
  const unauthorized = await problem(new StagecoachClient({ baseUrl: env.STAGECOACH_TEST_URL, apiKey: "sc_wrong" }).me());
  assert.equal(unauthorized.status, 401);
});
