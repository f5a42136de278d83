import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { once } from "node:events";
import { StagecoachClient, StagecoachError } from "../index.js";

// serve starts an HTTP server on 127.0.0.1 whose handler(req, body, res)
// answers each request; it records every request.
async function serve(t, handler) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString("utf8");
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    await handler(req, body, res, requests.length);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, requests, client: new StagecoachClient({ baseUrl: base + "/v1/", apiKey: "sk_test", maxRetries: 3 }) };
}

function json(res, status, value, type = "application/json", extra = {}) {
  res.writeHead(status, { "content-type": type, ...extra });
  res.end(JSON.stringify(value));
}

function problem(res, status, code, detail, errors) {
  json(res, status, { type: `https://stagecoach.dev/problems/${code}`, title: "Problem", status, detail, errors }, "application/problem+json");
}

function fast(client) {
  client.backoff = () => 1;
  return client;
}

test("listOrders follows nextCursor page by page and sends the filters", async (t) => {
  const { client, requests } = await serve(t, (req, body, res) => {
    const u = new URL(req.url, "http://x");
    const pages = { "": ["o1", "o2"], c1: ["o3"], c2: [] };
    const next = { "": "c1", c1: "c2", c2: null };
    const cur = u.searchParams.get("cursor") || "";
    json(res, 200, { data: pages[cur].map((id) => ({ id, status: "invited" })), nextCursor: next[cur] });
  });
  const ids = [];
  for await (const o of client.listOrders({ status: "invited", updatedSince: new Date("2026-01-02T03:04:05Z"), limit: 2 })) ids.push(o.id);
  assert.deepEqual(ids, ["o1", "o2", "o3"]);
  assert.equal(requests.length, 3);
  const first = new URL(requests[0].url, "http://x");
  assert.equal(first.pathname, "/v1/orders");
  assert.equal(first.searchParams.get("status"), "invited");
  assert.equal(first.searchParams.get("updatedSince"), "2026-01-02T03:04:05.000Z");
  assert.equal(first.searchParams.get("limit"), "2");
  assert.equal(new URL(requests[2].url, "http://x").searchParams.get("cursor"), "c2");
  assert.equal(requests[0].headers.authorization, "Bearer sk_test");
  assert.throws(() => client.listOrders({ stauts: "invited" }), /unknown filter "stauts"/);
});

test("breaking out of the loop fetches no further page", async (t) => {
  const { client, requests } = await serve(t, (req, body, res) => json(res, 200, { data: [{ id: "a" }, { id: "b" }], nextCursor: "more" }));
  for await (const o of client.listExports({ status: "exported" })) {
    assert.equal(o.id, "a");
    break;
  }
  assert.equal(requests.length, 1);
});

test("every POST carries an Idempotency-Key: random by default, the caller's when given, the same across retries", async (t) => {
  const { client, requests } = await serve(t, (req, body, res, n) => {
    if (n === 2) return problem(res, 503, "internal", "try again");
    json(res, 200, { id: "ord_1", status: "invited" });
  });
  fast(client);
  await client.reportEvent("ord_1", { type: "invited", candidateUrl: "https://tool.example/i/1" });
  await client.reportEvent("ord_1", { type: "started" }, { idempotencyKey: "ord_1:started" });
  await client.syncPostings("int_1");
  assert.equal(requests.length, 4);
  const keys = requests.map((r) => r.headers["idempotency-key"]);
  assert.match(keys[0], /^[0-9a-f-]{36}$/);
  assert.deepEqual(keys.slice(1, 3), ["ord_1:started", "ord_1:started"]);
  assert.match(keys[3], /^[0-9a-f-]{36}$/);
  assert.notEqual(keys[0], keys[3]);
  assert.equal(requests[1].body, '{"type":"started"}');
  assert.equal(requests[0].url, "/v1/orders/ord_1/events");
  assert.equal(requests[3].url, "/v1/integrations/int_1/posting-sync");
});

test("a problem+json answer is a StagecoachError with its code and fields, and a 4xx is not retried", async (t) => {
  const { client, requests } = await serve(t, (req, body, res) =>
    problem(res, 400, "invalid", "completed: score must be between 0 and maxScore", [{ field: "score", message: "must be ≤ maxScore" }]),
  );
  fast(client);
  const err = await client.reportEvent("ord_1", { type: "completed", score: 120, maxScore: 100 }).catch((e) => e);
  assert.ok(err instanceof StagecoachError);
  assert.equal(err.status, 400);
  assert.equal(err.code, "invalid");
  assert.equal(err.detail, "completed: score must be between 0 and maxScore");
  assert.deepEqual(err.errors, [{ field: "score", message: "must be ≤ maxScore" }]);
  assert.match(err.message, /^stagecoach: 400 Problem: completed: score/);
  assert.equal(requests.length, 1);
});

test("429 and 5xx are retried (Retry-After honoured), up to maxRetries", async (t) => {
  const { client, requests } = await serve(t, (req, body, res, n) => {
    if (n === 1) return json(res, 429, { type: "x/too_many", title: "Too Many Requests", status: 429 }, "application/problem+json", { "retry-after": "0" });
    if (n < 4) return problem(res, 502, "internal", "upstream");
    json(res, 200, { id: "imocha", name: "iMocha", kind: "assessment" });
  });
  fast(client);
  assert.deepEqual(await client.me(), { id: "imocha", name: "iMocha", kind: "assessment" });
  assert.equal(requests.length, 4);

  const { client: c2, requests: r2 } = await serve(t, (req, body, res) => problem(res, 500, "internal", "down"));
  fast(c2);
  const err = await c2.getOrder("ord_9").catch((e) => e);
  assert.equal(err.status, 500);
  assert.equal(r2.length, 4);
});

test("an answer that is not problem+json still becomes a StagecoachError", async (t) => {
  const { client } = await serve(t, (req, body, res) => {
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<html>no such page</html>");
  });
  const err = await client.getExport("exp_1").catch((e) => e);
  assert.ok(err instanceof StagecoachError);
  assert.equal(err.status, 404);
  assert.equal(err.type, "about:blank");
  assert.equal(err.detail, "<html>no such page</html>");
});

test("the routes: paths, methods, bodies, and what they return", async (t) => {
  const { client, requests } = await serve(t, (req, body, res) => {
    const route = `${req.method} ${req.url}`;
    switch (route) {
      case "PUT /v1/packages":
        return json(res, 200, { data: JSON.parse(body).packages });
      case "GET /v1/packages":
      case "GET /v1/integrations":
        return json(res, 200, { data: [{ id: "x" }], nextCursor: null });
      case "PUT /v1/integrations/int%2F1/kit-map":
        return json(res, 200, JSON.parse(body));
      case "POST /v1/exports":
        return json(res, 201, { id: "exp_1", status: "pending" });
      case "POST /v1/exports/exp_1/stage":
        return json(res, 200, { id: "exp_1", stage: JSON.parse(body).stage });
      default:
        return json(res, 200, { route });
    }
  });
  const pkgs = [{ id: "go", name: "Go", kind: "assessment", leverTag: "Tool: Go" }];
  assert.deepEqual(await client.publishPackages(pkgs), pkgs);
  assert.deepEqual(await client.listPackages(), [{ id: "x" }]);
  assert.deepEqual(await client.listIntegrations(), [{ id: "x" }]);
  assert.deepEqual((await client.getIntegration("int_1")).route, "GET /v1/integrations/int_1");
  assert.deepEqual((await client.getKitMap("int_1")).route, "GET /v1/integrations/int_1/kit-map");
  assert.deepEqual(await client.setKitMap("int/1", { defaultPackage: "general" }), { defaultPackage: "general", postingPackages: {} });
  assert.deepEqual((await client.getLeverEvent("evt_1")).route, "GET /v1/lever-events/evt_1");
  assert.deepEqual((await client.getOrder("ord_1")).route, "GET /v1/orders/ord_1");
  assert.deepEqual((await client.openapi()).route, "GET /v1/openapi.json");
  const ex = await client.exportCandidate({ providerCandidateId: "hj-1", outcome: "successful", candidate: { name: "Ada" } });
  assert.deepEqual(ex, { export: { id: "exp_1", status: "pending" }, created: true });
  assert.equal((await client.reportExportStage("exp_1", "Onsite")).stage, "Onsite");
  const events = [];
  for await (const e of client.listLeverEvents({ opportunity: "opp 1" })) events.push(e);
  assert.equal(requests.at(-1).url, "/v1/lever-events?opportunity=opp+1");
  assert.equal(requests.find((r) => r.method === "POST" && r.url === "/v1/exports").headers["idempotency-key"].length, 36);
  await assert.rejects(() => client.getOrder(""), /order id is empty/);
  await assert.rejects(() => client.reportEvent("ord_1", {}), /event.type is empty/);
  await assert.rejects(() => client.exportCandidate({ outcome: "successful" }), /providerCandidateId is empty/);
});

test("bad client options are named", () => {
  assert.throws(() => new StagecoachClient({ baseUrl: "stagecoach.example", apiKey: "k" }), /baseUrl must be an http\(s\) URL/);
  assert.throws(() => new StagecoachClient({ baseUrl: "https://stagecoach.example", apiKey: "" }), /apiKey is empty/);
});

test("index.d.ts declares every method the client has, and no other", async () => {
  const { readFile } = await import("node:fs/promises");
  const dts = await readFile(new URL("../index.d.ts", import.meta.url), "utf8");
  const body = dts.slice(dts.indexOf("export declare class StagecoachClient {"));
  const declared = new Set([...body.slice(0, body.indexOf("\n}\n")).matchAll(/^  (\w+)(?:<[^>]*>)?\(/gm)].map((m) => m[1]).filter((n) => n !== "constructor"));
  const actual = new Set(Object.getOwnPropertyNames(StagecoachClient.prototype).filter((n) => n !== "constructor"));
  assert.deepEqual([...actual].sort(), [...declared].sort());
});

test("rotateWebhookSecret posts the grace without an Idempotency-Key and is not retried", async (t) => {
  const { client, requests } = await serve(t, (req, body, res, n) => {
    if (n === 1) return json(res, 200, { webhookSecret: "whsec_new", previousSecretExpiresAt: "2026-01-02T15:04:05Z" });
    return problem(res, 503, "unavailable", "down");
  });
  fast(client);
  const got = await client.rotateWebhookSecret({ graceSeconds: 3600 });
  assert.deepEqual(got, { webhookSecret: "whsec_new", previousSecretExpiresAt: "2026-01-02T15:04:05Z" });
  assert.equal(requests[0].method, "POST");
  assert.equal(requests[0].url, "/v1/me/webhook-secret/rotate");
  assert.deepEqual(JSON.parse(requests[0].body), { graceSeconds: 3600 });
  assert.equal(requests[0].headers["idempotency-key"], undefined);
  // A failed rotation is answered to the caller, not sent again.
  await assert.rejects(client.rotateWebhookSecret(), (e) => e instanceof StagecoachError && e.status === 503);
  assert.equal(requests.length, 2);
  assert.equal(requests[1].body, "");
  await assert.rejects(client.rotateWebhookSecret({ graceSeconds: -1 }), /graceSeconds/);
  assert.equal(requests.length, 2);
});
