"""The client of the stagecoach provider API (docs/provider-api.md)."""

import json
import random
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib import error as urlerror
from urllib import parse, request

from .types import KitMap, Order, Package

USER_AGENT = "stagecoach-provider-python"

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3
MAX_RETRY_WAIT = 30.0
MAX_RESPONSE = 32 << 20


class StagecoachError(Exception):
    """An error answer of the API: RFC 9457 problem details.

    ``code`` is the last segment of ``type``: invalid, not_found, conflict,
    unauthorized, forbidden, too_large, internal or gone. ``errors`` lists
    the invalid fields of an "invalid" problem as ``{"field", "message"}``.
    """

    def __init__(self, problem: Dict[str, Any], method: str = "", path: str = ""):
        self.type: str = problem.get("type") or "about:blank"
        self.title: str = problem.get("title") or ""
        self.status: int = int(problem.get("status") or 0)
        self.detail: str = problem.get("detail") or ""
        self.instance: str = problem.get("instance") or ""
        errors = problem.get("errors")
        self.errors: List[Dict[str, str]] = errors if isinstance(errors, list) else []
        self.method = method
        self.path = path
        msg = "stagecoach: %d" % self.status
        if self.title:
            msg += " " + self.title
        if self.detail:
            msg += ": " + self.detail
        super().__init__(msg)

    @property
    def code(self) -> str:
        return self.type[self.type.rfind("/") + 1:]


def _problem(status: int, reason: str, raw: bytes, method: str, path: str) -> StagecoachError:
    text = raw.decode("utf-8", "replace")
    try:
        p = json.loads(text)
    except ValueError:
        p = None
    if not isinstance(p, dict) or not (p.get("title") or p.get("type")):
        s = text.strip()
        p = {"title": reason or "HTTP %d" % status, "detail": s[:200] + ("…" if len(s) > 200 else "")}
    if not p.get("status"):
        p["status"] = status
    return StagecoachError(p, method, path)


def _backoff(n: int) -> float:
    d = min(0.25 * 2 ** min(n - 1, 5), 8.0)
    return d / 2 + random.random() * d / 2


def _retry_after(h: Optional[str]) -> float:
    try:
        n = int((h or "").strip())
    except ValueError:
        return 0.0
    return float(n) if n > 0 else 0.0


def _segment(value: str, what: str) -> str:
    if not isinstance(value, str) or value == "":
        raise ValueError("%s is empty" % what)
    return parse.quote(value, safe="")


def _query(params: Dict[str, Any], known: Tuple[str, ...]) -> Dict[str, str]:
    out = {}
    for k, v in params.items():
        if k not in known:
            raise ValueError("unknown filter %r; known: %s" % (k, ", ".join(known)))
        if v is None or v == "":
            continue
        if hasattr(v, "isoformat"):
            if getattr(v, "tzinfo", None) is None:
                raise ValueError("%s must be a timezone-aware datetime" % k)
            v = v.isoformat()
        out[k] = str(v)
    return out


class _NoRedirect(request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the API never redirects; a redirect would drop the key
        return None


class Client:
    """A client of the stagecoach provider API.

    >>> sc = Client("https://stagecoach.example", api_key)
    >>> for order in sc.list_orders(status="invited"):
    ...     print(order["id"])
    """

    def __init__(self, base_url: str, api_key: str, timeout: float = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES):
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL, e.g. https://stagecoach.example")
        if not isinstance(api_key, str) or api_key == "":
            raise ValueError("api_key is empty")
        base = base_url.rstrip("/")
        if base.endswith("/v1"):
            base = base[:-3]
        self.base_url = base
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff = _backoff
        self.sleep = time.sleep
        self._opener = request.build_opener(_NoRedirect)

    def __repr__(self) -> str:  # never shows the key
        return "Client(%r)" % self.base_url

    def request(self, method: str, path: str, body: Any = None,
                idempotency_key: Optional[str] = None) -> Tuple[int, Any]:
        """Sends one call and returns (status, decoded body).

        A GET, a PUT, or a POST with an Idempotency-Key is retried on 429, 5xx
        and network failures, up to max_retries, honouring Retry-After.
        """
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Authorization": "Bearer " + self._api_key,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        retryable = method in ("GET", "PUT") or bool(idempotency_key)
        attempt = 0
        while True:
            wait = 0.0
            req = request.Request(self.base_url + path, data=data, headers=headers, method=method)
            try:
                with self._opener.open(req, timeout=self.timeout if self.timeout > 0 else None) as resp:
                    raw = resp.read(MAX_RESPONSE)
                    return resp.status, (json.loads(raw.decode("utf-8")) if raw else None)
            except urlerror.HTTPError as e:
                raw = e.read(MAX_RESPONSE)
                err: Exception = _problem(e.code, e.reason if isinstance(e.reason, str) else "", raw, method, path)
                if e.code != 429 and e.code < 500:
                    raise err from None
                wait = _retry_after(e.headers.get("Retry-After") if e.headers else None)
            except (urlerror.URLError, OSError) as e:
                err = ConnectionError("%s %s: %s" % (method, path, getattr(e, "reason", e)))
            if not retryable or attempt >= self.max_retries:
                raise err
            attempt += 1
            self.sleep(min(wait, MAX_RETRY_WAIT) if wait > 0 else self.backoff(attempt))

    def _get(self, path: str) -> Any:
        return self.request("GET", path)[1]

    def _post(self, path: str, body: Any, idempotency_key: Optional[str]) -> Tuple[int, Any]:
        # Every POST carries a key, random unless given, so that the
        # client's own retries are recognised as one call.
        return self.request("POST", path, body, idempotency_key or uuid.uuid4().hex)

    def paginate(self, path: str, params: Optional[Dict[str, str]] = None) -> Iterator[Any]:
        """Yields every item of a list route, following nextCursor page by page."""
        q = dict(params or {})
        while True:
            page = self._get(path + ("?" + parse.urlencode(q) if q else ""))
            for item in page.get("data") or []:
                yield item
            cursor = page.get("nextCursor")
            if not cursor:
                return
            q["cursor"] = cursor

    # ---- routes ----

    def openapi(self) -> Dict[str, Any]:
        """GET /v1/openapi.json."""
        return self._get("/v1/openapi.json")

    def me(self) -> Dict[str, Any]:
        """GET /v1/me: the provider the API key belongs to."""
        return self._get("/v1/me")

    def rotate_webhook_secret(self, grace_seconds: Optional[int] = None) -> Dict[str, Any]:
        """POST /v1/me/webhook-secret/rotate: a new webhook secret, answered once.

        The old one keeps signing (a second signature on every webhook) for
        grace_seconds (default a day, at most 604800; 0 stops it at once).
        Never retried: the answer holds a secret the server does not keep, so
        a lost answer is mended by rotating again.
        """
        body = None
        if grace_seconds is not None:
            if isinstance(grace_seconds, bool) or not isinstance(grace_seconds, int) or grace_seconds < 0:
                raise ValueError("grace_seconds must be a whole number of seconds, 0 or more")
            body = {"graceSeconds": grace_seconds}
        return self.request("POST", "/v1/me/webhook-secret/rotate", body)[1]

    def publish_packages(self, packages: List[Package]) -> List[Package]:
        """PUT /v1/packages: replaces the published packages; returns them as stored."""
        if not isinstance(packages, list):
            raise ValueError("packages must be a list")
        return self.request("PUT", "/v1/packages", {"packages": packages})[1]["data"]

    def list_packages(self) -> List[Package]:
        """GET /v1/packages."""
        return list(self.paginate("/v1/packages"))

    def list_orders(self, **filters: Any) -> Iterator[Order]:
        """GET /v1/orders, page by page. Filters: status, connection, posting,
        updatedSince (an aware datetime or RFC 3339 string), limit."""
        q = _query(filters, ("status", "connection", "posting", "updatedSince", "limit"))
        return self.paginate("/v1/orders", q)

    def get_order(self, order_id: str) -> Order:
        """GET /v1/orders/{id}."""
        return self._get("/v1/orders/" + _segment(order_id, "order id"))

    def report_event(self, order_id: str, event: Dict[str, Any], idempotency_key: Optional[str] = None) -> Order:
        """POST /v1/orders/{id}/events: returns the order as it now is.

        Pass an idempotency_key derived from the report (e.g.
        "<order id>:completed") to make it safe across restarts.
        """
        path = "/v1/orders/%s/events" % _segment(order_id, "order id")
        if not isinstance(event, dict) or not event.get("type"):
            raise ValueError("event type is empty")
        return self._post(path, event, idempotency_key)[1]

    def list_integrations(self) -> List[Dict[str, Any]]:
        """GET /v1/integrations."""
        return list(self.paginate("/v1/integrations"))

    def get_integration(self, integration_id: str) -> Dict[str, Any]:
        """GET /v1/integrations/{id}."""
        return self._get("/v1/integrations/" + _segment(integration_id, "integration id"))

    def get_kit_map(self, integration_id: str) -> KitMap:
        """GET /v1/integrations/{id}/kit-map (video interview)."""
        return self._get("/v1/integrations/%s/kit-map" % _segment(integration_id, "integration id"))

    def set_kit_map(self, integration_id: str, default_package: str = "",
                    posting_packages: Optional[Dict[str, str]] = None) -> KitMap:
        """PUT /v1/integrations/{id}/kit-map: replaces the kit map."""
        path = "/v1/integrations/%s/kit-map" % _segment(integration_id, "integration id")
        body = {"defaultPackage": default_package, "postingPackages": posting_packages or {}}
        return self.request("PUT", path, body)[1]

    def sync_postings(self, integration_id: str, idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """POST /v1/integrations/{id}/posting-sync (interview service)."""
        path = "/v1/integrations/%s/posting-sync" % _segment(integration_id, "integration id")
        return self._post(path, None, idempotency_key)[1]

    def list_lever_events(self, **filters: Any) -> Iterator[Dict[str, Any]]:
        """GET /v1/lever-events, newest first. Filters: opportunity, limit."""
        return self.paginate("/v1/lever-events", _query(filters, ("opportunity", "limit")))

    def get_lever_event(self, event_id: str) -> Dict[str, Any]:
        """GET /v1/lever-events/{id}."""
        return self._get("/v1/lever-events/" + _segment(event_id, "lever event id"))

    def export_candidate(self, export: Dict[str, Any],
                         idempotency_key: Optional[str] = None) -> Tuple[Dict[str, Any], bool]:
        """POST /v1/exports (sourcing). Returns (export, created)."""
        if not isinstance(export, dict) or not export.get("providerCandidateId"):
            raise ValueError("providerCandidateId is empty")
        status, body = self._post("/v1/exports", export, idempotency_key)
        return body, status == 201

    def list_exports(self, **filters: Any) -> Iterator[Dict[str, Any]]:
        """GET /v1/exports. Filters: connection, status, providerCandidateId, limit."""
        q = _query(filters, ("connection", "status", "providerCandidateId", "limit"))
        return self.paginate("/v1/exports", q)

    def get_export(self, export_id: str) -> Dict[str, Any]:
        """GET /v1/exports/{id}."""
        return self._get("/v1/exports/" + _segment(export_id, "export id"))

    def report_export_stage(self, export_id: str, stage: str,
                            idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """POST /v1/exports/{id}/stage."""
        path = "/v1/exports/%s/stage" % _segment(export_id, "export id")
        return self._post(path, {"stage": stage}, idempotency_key)[1]
