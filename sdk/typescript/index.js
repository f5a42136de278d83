// @stagecoach/provider: a client for the stagecoach provider API and a
// verifier for the webhooks stagecoach sends. No runtime dependencies: the
// platform's fetch and node:crypto (Node 18+).
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const USER_AGENT = "stagecoach-provider-js";

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 3;
const MAX_RETRY_WAIT_MS = 30_000;

/**
 * An error answer of the API: RFC 9457 problem details
 * (application/problem+json). `code` is the last segment of `type`:
 * invalid, not_found, conflict, unauthorized, forbidden, too_large,
 * internal or gone.
 */
export class StagecoachError extends Error {
  constructor(problem, { method, path } = {}) {
    const status = problem.status;
    let msg = `stagecoach: ${status}`;
    if (problem.title) msg += ` ${problem.title}`;
    if (problem.detail) msg += `: ${problem.detail}`;
    super(msg);
    this.name = "StagecoachError";
    this.type = problem.type || "about:blank";
    this.title = problem.title || "";
    this.status = status;
    this.detail = problem.detail || "";
    this.instance = problem.instance || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.method = method;
    this.path = path;
  }

  /** The problem's code: the last segment of its type, e.g. "conflict". */
  get code() {
    const t = this.type;
    return t.slice(t.lastIndexOf("/") + 1);
  }
}

function snippet(text) {
  const s = text.trim();
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}

// problemOf turns a non-2xx answer into a StagecoachError, also when the
// body is not problem+json (a proxy's error page, say).
function problemOf(status, statusText, text, where) {
  let p = null;
  try {
    p = JSON.parse(text);
  } catch {
    p = null;
  }
  if (!p || typeof p !== "object" || (!p.title && !p.type)) {
    p = { title: statusText || `HTTP ${status}`, detail: snippet(text) };
  }
  if (!p.status) p.status = status;
  return new StagecoachError(p, where);
}

function retryAfterMs(h) {
  const n = Number.parseInt((h || "").trim(), 10);
  return Number.isFinite(n) && n > 0 ? n * 1000 : 0;
}

function backoffMs(n) {
  const d = Math.min(250 * 2 ** Math.min(n - 1, 5), 8000);
  return d / 2 + Math.random() * (d / 2);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === "") continue;
    q.set(k, v instanceof Date ? v.toISOString() : String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}

function need(value, what) {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${what} is empty`);
  }
  return encodeURIComponent(value);
}

/** A client of the stagecoach provider API. */
export class StagecoachClient {
  /**
   * @param {object} opts
   * @param {string} opts.baseUrl the stagecoach server, e.g. "https://stagecoach.example" ("/v1" is accepted too)
   * @param {string} opts.apiKey the provider's API key
   * @param {typeof fetch} [opts.fetch] the fetch to use (default: the platform's)
   * @param {number} [opts.timeoutMs] bound of each attempt (default 30000; 0: none)
   * @param {number} [opts.maxRetries] retries of a retryable request (default 3)
   */
  constructor({ baseUrl, apiKey, fetch: f, timeoutMs = DEFAULT_TIMEOUT_MS, maxRetries = DEFAULT_MAX_RETRIES } = {}) {
    if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl)) {
      throw new TypeError("baseUrl must be an http(s) URL, e.g. https://stagecoach.example");
    }
    if (typeof apiKey !== "string" || apiKey === "") {
      throw new TypeError("apiKey is empty");
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.apiKey = apiKey;
    this.fetch = f || globalThis.fetch;
    if (typeof this.fetch !== "function") throw new TypeError("no fetch: pass opts.fetch");
    this.timeoutMs = timeoutMs;
    this.maxRetries = Math.max(0, maxRetries);
    this.backoff = backoffMs;
  }

  /**
   * Sends one call, retrying a GET, a PUT or a POST with an Idempotency-Key
   * on 429, 5xx and network failures. Returns { body, status }.
   */
  async request(method, path, { body, idempotencyKey, signal } = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {
      accept: "application/json",
      "user-agent": USER_AGENT,
      authorization: `Bearer ${this.apiKey}`,
    };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const retryable = method === "GET" || method === "PUT" || Boolean(idempotencyKey);
    const where = { method, path };
    for (let attempt = 0; ; attempt++) {
      let err;
      let wait = 0;
      try {
        const signals = [signal, this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : null].filter(Boolean);
        const res = await this.fetch(this.baseUrl + path, {
          method,
          headers,
          body: payload,
          signal: signals.length ? (signals.length === 1 ? signals[0] : AbortSignal.any(signals)) : undefined,
        });
        const text = await res.text();
        if (res.ok) {
          return { status: res.status, body: text ? JSON.parse(text) : null };
        }
        err = problemOf(res.status, res.statusText, text, where);
        wait = retryAfterMs(res.headers.get("retry-after"));
        if (res.status !== 429 && res.status < 500) throw err;
      } catch (e) {
        if (e instanceof StagecoachError && e.status !== 429 && e.status < 500) throw e;
        if (e instanceof SyntaxError) throw new Error(`${method} ${path}: decode answer: ${e.message}`);
        if (signal?.aborted) throw e;
        err = err || new Error(`${method} ${path}: ${e.message}`, { cause: e });
      }
      if (!retryable || attempt >= this.maxRetries) throw err;
      const ms = wait > 0 ? Math.min(wait, MAX_RETRY_WAIT_MS) : this.backoff(attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }

  async #get(path, opts) {
    return (await this.request("GET", path, opts)).body;
  }

  // post sends a POST with an Idempotency-Key: the caller's, else a random
  // one, so that the client's own retries are recognised as one call.
  async #post(path, body, opts = {}) {
    return this.request("POST", path, { ...opts, body, idempotencyKey: opts.idempotencyKey || randomUUID() });
  }

  /** Yields every item of a list route, following nextCursor page by page. */
  async *paginate(path, params = {}, opts = {}) {
    const q = { ...params };
    for (;;) {
      const page = await this.#get(path + query(q), opts);
      for (const item of page.data || []) yield item;
      if (!page.nextCursor) return;
      q.cursor = page.nextCursor;
    }
  }

  /** GET /v1/openapi.json: the API's OpenAPI document. */
  async openapi(opts) {
    return this.#get("/v1/openapi.json", opts);
  }

  /** GET /v1/me: the provider the API key belongs to. */
  async me(opts) {
    return this.#get("/v1/me", opts);
  }

  /**
   * POST /v1/me/webhook-secret/rotate: a new webhook secret, answered once.
   * The old one keeps signing (a second signature on every webhook) for
   * graceSeconds (default a day, at most 604800; 0 stops it at once). Never
   * retried: the answer holds a secret the server does not keep, so a lost
   * answer is mended by rotating again.
   */
  async rotateWebhookSecret({ graceSeconds } = {}, opts) {
    const body = graceSeconds === undefined ? undefined : { graceSeconds };
    if (body && (!Number.isInteger(graceSeconds) || graceSeconds < 0)) throw new TypeError("graceSeconds must be a whole number of seconds, 0 or more");
    return (await this.request("POST", "/v1/me/webhook-secret/rotate", { ...opts, body, idempotencyKey: undefined })).body;
  }

  /** PUT /v1/packages: replaces the published packages; returns them as stored. */
  async publishPackages(packages, opts) {
    if (!Array.isArray(packages)) throw new TypeError("packages must be an array");
    return (await this.request("PUT", "/v1/packages", { ...opts, body: { packages } })).body.data;
  }

  /** GET /v1/packages: the published packages. */
  async listPackages(opts) {
    return toArray(this.paginate("/v1/packages", {}, opts));
  }

  /**
   * GET /v1/orders: the provider's orders, as an async iterator that fetches
   * page after page. Filters: status, connection, posting, updatedSince
   * (a Date or an RFC 3339 string), limit (page size, 1–200).
   */
  listOrders(params = {}, opts) {
    return this.paginate("/v1/orders", pick(params, ["status", "connection", "posting", "updatedSince", "limit"]), opts);
  }

  /** GET /v1/orders/{id}. */
  async getOrder(id, opts) {
    return this.#get(`/v1/orders/${need(id, "order id")}`, opts);
  }

  /**
   * POST /v1/orders/{id}/events: reports what happened to an order and
   * returns the order as it now is. Pass opts.idempotencyKey (e.g.
   * `${orderId}:completed`) to make a report safe across restarts.
   */
  async reportEvent(orderId, event, opts) {
    const path = `/v1/orders/${need(orderId, "order id")}/events`;
    if (!event || typeof event.type !== "string" || event.type === "") throw new TypeError("event.type is empty");
    return (await this.#post(path, event, opts)).body;
  }

  /** GET /v1/integrations: the provider's integrations. */
  async listIntegrations(opts) {
    return toArray(this.paginate("/v1/integrations", {}, opts));
  }

  /** GET /v1/integrations/{id}. */
  async getIntegration(id, opts) {
    return this.#get(`/v1/integrations/${need(id, "integration id")}`, opts);
  }

  /** GET /v1/integrations/{id}/kit-map (video interview). */
  async getKitMap(integrationId, opts) {
    return this.#get(`/v1/integrations/${need(integrationId, "integration id")}/kit-map`, opts);
  }

  /** PUT /v1/integrations/{id}/kit-map: replaces the kit map. */
  async setKitMap(integrationId, kitMap, opts) {
    const path = `/v1/integrations/${need(integrationId, "integration id")}/kit-map`;
    const body = { defaultPackage: kitMap?.defaultPackage ?? "", postingPackages: kitMap?.postingPackages ?? {} };
    return (await this.request("PUT", path, { ...opts, body })).body;
  }

  /** POST /v1/integrations/{id}/posting-sync (interview service): poll the postings now. */
  async syncPostings(integrationId, opts) {
    return (await this.#post(`/v1/integrations/${need(integrationId, "integration id")}/posting-sync`, undefined, opts)).body;
  }

  /** GET /v1/lever-events: Lever events and their routing decisions, newest first. */
  listLeverEvents(params = {}, opts) {
    return this.paginate("/v1/lever-events", pick(params, ["opportunity", "limit"]), opts);
  }

  /** GET /v1/lever-events/{id}. */
  async getLeverEvent(id, opts) {
    return this.#get(`/v1/lever-events/${need(id, "lever event id")}`, opts);
  }

  /**
   * POST /v1/exports (sourcing): exports a candidate, or updates its
   * export. Returns { export, created }: created is true for a new export.
   */
  async exportCandidate(input, opts) {
    if (!input || typeof input.providerCandidateId !== "string" || input.providerCandidateId === "") {
      throw new TypeError("providerCandidateId is empty");
    }
    const res = await this.#post("/v1/exports", input, opts);
    return { export: res.body, created: res.status === 201 };
  }

  /** GET /v1/exports: the provider's exports, as an async iterator. */
  listExports(params = {}, opts) {
    return this.paginate("/v1/exports", pick(params, ["connection", "status", "providerCandidateId", "limit"]), opts);
  }

  /** GET /v1/exports/{id}. */
  async getExport(id, opts) {
    return this.#get(`/v1/exports/${need(id, "export id")}`, opts);
  }

  /** POST /v1/exports/{id}/stage: the candidate moved to stage at the provider. */
  async reportExportStage(exportId, stage, opts) {
    const path = `/v1/exports/${need(exportId, "export id")}/stage`;
    return (await this.#post(path, { stage }, opts)).body;
  }
}

function pick(obj, keys) {
  const out = {};
  for (const k of Object.keys(obj || {})) {
    if (!keys.includes(k)) throw new TypeError(`unknown filter ${JSON.stringify(k)}; known: ${keys.join(", ")}`);
    out[k] = obj[k];
  }
  return out;
}

/** Collects an async iterable into an array. */
export async function toArray(iterable) {
  const out = [];
  for await (const v of iterable) out.push(v);
  return out;
}

// ---- Webhooks (Standard Webhooks) ----

/** How far a webhook's timestamp may be from now, in seconds, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Why a webhook did not verify. `reason` is "missing_headers", "timestamp"
 * or "signature". Answer such a webhook with 401: stagecoach retries it.
 */
export class WebhookVerificationError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

function parseSecret(secret) {
  if (typeof secret !== "string") throw new TypeError("webhook secret must be a string: whsec_ followed by base64");
  const s = secret.trim().replace(/^whsec_/, "");
  const key = Buffer.from(s, "base64");
  // Buffer.from skips characters that are not base64; compare the round
  // trip so that a mistyped secret is refused rather than half-used.
  if (key.length === 0 || key.toString("base64").replace(/=+$/, "") !== s.replace(/=+$/, "")) {
    // The error names no part of the secret.
    throw new TypeError("webhook secret is not whsec_ followed by base64");
  }
  return key;
}

function header(headers, name) {
  if (!headers) return "";
  if (typeof headers.get === "function") return headers.get(name) || "";
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(" ") : String(v ?? "");
  }
  return "";
}

function rawBytes(body) {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(
    "webhook body must be the raw request bytes (a Buffer, Uint8Array or string), not parsed JSON: " +
      "the signature covers the exact bytes stagecoach sent",
  );
}

/**
 * Verifies the webhooks stagecoach sends (Standard Webhooks: webhook-id,
 * webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256>").
 */
export class WebhookVerifier {
  /**
   * @param {string|string[]} secrets the webhook secret ("whsec_…"), or
   *   several while one is rotated: a signature by any of them is accepted
   * @param {object} [opts]
   * @param {number} [opts.toleranceSeconds] how far the timestamp may be from now (default 300; 0: no check)
   * @param {() => number} [opts.now] the current time in milliseconds (default Date.now)
   */
  constructor(secrets, { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now } = {}) {
    const list = Array.isArray(secrets) ? secrets : [secrets];
    if (list.length === 0) throw new TypeError("no webhook secret");
    this.keys = list.map(parseSecret);
    this.toleranceSeconds = toleranceSeconds;
    this.now = now;
  }

  /**
   * Checks the headers against the raw body and returns the message
   * { id, type, timestamp, data }. Throws WebhookVerificationError.
   * @param {Headers|Record<string, string|string[]|undefined>} headers
   * @param {Uint8Array|ArrayBuffer|string} body the raw request body, exactly as received
   */
  verify(headers, body) {
    const bytes = rawBytes(body);
    const id = header(headers, "webhook-id");
    const ts = header(headers, "webhook-timestamp");
    const sigs = header(headers, "webhook-signature");
    if (!id || !ts || !sigs) {
      throw new WebhookVerificationError("missing_headers", "webhook: missing webhook-id, webhook-timestamp or webhook-signature");
    }
    if (!/^\d+$/.test(ts)) throw new WebhookVerificationError("timestamp", "webhook: timestamp is not Unix seconds");
    if (this.toleranceSeconds > 0) {
      const skew = Math.abs(this.now() / 1000 - Number(ts));
      if (skew > this.toleranceSeconds) throw new WebhookVerificationError("timestamp", "webhook: timestamp too far from now");
    }
    const wants = this.keys.map((key) => createHmac("sha256", key).update(`${id}.${ts}.`).update(bytes).digest());
    let ok = false;
    for (const s of sigs.split(/\s+/)) {
      const comma = s.indexOf(",");
      if (comma < 0 || s.slice(0, comma) !== "v1") continue;
      const got = Buffer.from(s.slice(comma + 1), "base64");
      for (const want of wants) {
        // Every signature against every secret, each in constant time.
        if (got.length === want.length && timingSafeEqual(got, want)) ok = true;
      }
    }
    if (!ok) throw new WebhookVerificationError("signature", "webhook: no valid signature");
    let msg;
    try {
      msg = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch (e) {
      throw new Error(`webhook ${id}: decode body: ${e.message}`);
    }
    return { id, type: msg.type, timestamp: msg.timestamp, data: msg.data };
  }
}
