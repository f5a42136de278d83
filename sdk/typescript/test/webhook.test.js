import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { WebhookVerifier, WebhookVerificationError } from "../index.js";

// A webhook signed by the Go server's signer (internal/outbound), checked in
// by internal/e2e/sdk_test.go, which also checks that the Go signer still signs it so.
const vector = JSON.parse(readFileSync(new URL("../../testdata/webhook-vector.json", import.meta.url), "utf8"));
const vectorNow = () => Number(vector.headers["webhook-timestamp"]) * 1000;

function newSecret() {
  return "whsec_" + randomBytes(32).toString("base64");
}

function sign(secret, id, ts, body) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest("base64");
}

function signed(secret, body, ts = Math.floor(Date.now() / 1000)) {
  const id = "msg_" + randomBytes(6).toString("hex");
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sign(secret, id, ts, body) };
}

function refusal(fn, reason) {
  assert.throws(fn, (e) => e instanceof WebhookVerificationError && e.reason === reason);
}

test("a webhook signed by the Go server verifies, with either secret of a rotation", () => {
  for (const secrets of [vector.secret, [vector.secret], [vector.previousSecret], ["whsec_" + randomBytes(32).toString("base64"), vector.previousSecret]]) {
    const v = new WebhookVerifier(secrets, { now: vectorNow });
    const m = v.verify(vector.headers, Buffer.from(vector.body, "utf8"));
    assert.equal(m.id, "msg_2vYx8Z");
    assert.equal(m.type, "order.created");
    assert.equal(m.data.candidate.name, "Zoë Ångström");
  }
});

test("the Go server's webhook given as a string or a Fetch Headers object verifies", () => {
  const v = new WebhookVerifier(vector.secret, { now: vectorNow });
  assert.equal(v.verify(new Headers(vector.headers), vector.body).data.id, "ord_01jvector");
});

test("a tampered body, id or timestamp is refused", () => {
  const v = new WebhookVerifier(vector.secret, { now: vectorNow, toleranceSeconds: 0 });
  refusal(() => v.verify(vector.headers, vector.body.replace("Backend", "Frontend")), "signature");
  refusal(() => v.verify({ ...vector.headers, "webhook-id": "msg_other" }, vector.body), "signature");
  const later = String(Number(vector.headers["webhook-timestamp"]) + 1);
  refusal(() => v.verify({ ...vector.headers, "webhook-timestamp": later }, vector.body), "signature");
});

test("a secret that signed nothing is refused", () => {
  const v = new WebhookVerifier(newSecret(), { now: vectorNow });
  refusal(() => v.verify(vector.headers, vector.body), "signature");
});

test("re-serialised JSON does not verify: the signature covers the raw bytes", () => {
  const v = new WebhookVerifier(vector.secret, { now: vectorNow });
  const reserialised = JSON.stringify(JSON.parse(vector.body), null, 1);
  refusal(() => v.verify(vector.headers, reserialised), "signature");
  assert.throws(() => v.verify(vector.headers, JSON.parse(vector.body)), (e) => e instanceof TypeError && /raw request bytes/.test(e.message));
});

test("the timestamp must be within the tolerance either way", () => {
  const secret = newSecret();
  const body = '{"type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{}}';
  const now = 1_800_000_000;
  const v = new WebhookVerifier(secret, { now: () => now * 1000 });
  assert.equal(v.verify(signed(secret, body, now - 299), body).type, "order.created");
  assert.equal(v.verify(signed(secret, body, now + 299), body).type, "order.created");
  refusal(() => v.verify(signed(secret, body, now - 301), body), "timestamp");
  refusal(() => v.verify(signed(secret, body, now + 301), body), "timestamp");
  refusal(() => v.verify({ ...signed(secret, body, now), "webhook-timestamp": "soon" }, body), "timestamp");
  const lax = new WebhookVerifier(secret, { now: () => now * 1000, toleranceSeconds: 0 });
  assert.equal(lax.verify(signed(secret, body, now - 86400), body).type, "order.created");
});

test("missing headers are refused", () => {
  const secret = newSecret();
  const body = "{}";
  const h = signed(secret, body);
  const v = new WebhookVerifier(secret);
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const without = { ...h };
    delete without[name];
    refusal(() => v.verify(without, body), "missing_headers");
  }
});

test("signatures of other versions or bad base64 are skipped, a valid one among them accepted", () => {
  const secret = newSecret();
  const body = '{"type":"job.synced","timestamp":"2026-01-01T00:00:00Z","data":{}}';
  const h = signed(secret, body);
  const v = new WebhookVerifier(secret);
  const noise = "v2,AAAA v1,@@@ v1a";
  assert.equal(v.verify({ ...h, "webhook-signature": `${noise} ${h["webhook-signature"]}` }, body).type, "job.synced");
  refusal(() => v.verify({ ...h, "webhook-signature": noise }, body), "signature");
});

test("a secret that is not whsec_ base64 is refused without echoing it", () => {
  for (const bad of ["", "whsec_", "whsec_not*base64!", 42]) {
    assert.throws(() => new WebhookVerifier(bad), (e) => e instanceof TypeError && !String(e.message).includes("base64!"));
  }
  assert.throws(() => new WebhookVerifier([]), TypeError);
  // The prefix is optional.
  const raw = randomBytes(24).toString("base64");
  const body = "{}";
  const h = signed("whsec_" + raw, body);
  assert.equal(new WebhookVerifier(raw).verify(h, body).id, h["webhook-id"]);
});
