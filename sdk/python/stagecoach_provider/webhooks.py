"""Verification of the webhooks stagecoach sends (Standard Webhooks)."""

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Sequence, Union

DEFAULT_TOLERANCE = 300  # seconds


class WebhookVerificationError(Exception):
    """Why a webhook did not verify: ``reason`` is "missing_headers",
    "timestamp" or "signature". Answer it with 401: stagecoach retries."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class WebhookMessage:
    """A verified webhook. ``id`` is the same for every delivery of one
    message: drop a redelivery of an id you have seen. ``data`` is the
    order for the order.* types."""

    id: str
    type: str
    timestamp: str
    data: Any


def _parse_secret(secret: str) -> bytes:
    if not isinstance(secret, str):
        raise ValueError("webhook secret must be a string: whsec_ followed by base64")
    s = secret.strip()
    if s.startswith("whsec_"):
        s = s[len("whsec_"):]
    try:
        key = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        # The error names no part of the secret.
        raise ValueError("webhook secret is not whsec_ followed by base64")
    return key


def _header(headers: Any, name: str) -> str:
    get = getattr(headers, "get", None)
    if get is None:
        return ""
    v = get(name)
    if v is None and isinstance(headers, Mapping):
        for k, val in headers.items():
            if k.lower() == name:
                v = val
                break
    if isinstance(v, (list, tuple)):
        v = " ".join(v)
    return v or ""


class WebhookVerifier:
    """Verifies stagecoach's webhooks: webhook-id, webhook-timestamp and
    webhook-signature "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>".

    ``secrets`` is the webhook secret ("whsec_…"), or several while one is
    rotated: a signature by any of them is accepted.
    """

    def __init__(self, secrets: Union[str, Sequence[str]], tolerance: float = DEFAULT_TOLERANCE,
                 now: Optional[Callable[[], float]] = None):
        if isinstance(secrets, (list, tuple)):
            listed: List[str] = list(secrets)
        else:
            listed = [secrets]  # type: ignore[list-item]
        if not listed:
            raise ValueError("no webhook secret")
        self._keys = [_parse_secret(s) for s in listed]
        self.tolerance = tolerance
        self.now = now or time.time

    def __repr__(self) -> str:  # never shows a secret
        return "WebhookVerifier(%d secrets)" % len(self._keys)

    def verify(self, headers: Any, body: Union[bytes, bytearray, memoryview, str]) -> WebhookMessage:
        """Checks the headers against the raw body, exactly as received, and
        returns the message. ``headers`` is any mapping with ``get`` (a
        dict, http.client.HTTPMessage, a framework's headers)."""
        if isinstance(body, str):
            raw = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray, memoryview)):
            raw = bytes(body)
        else:
            raise TypeError("webhook body must be the raw request bytes, not parsed JSON: "
                            "the signature covers the exact bytes stagecoach sent")
        msg_id = _header(headers, "webhook-id")
        ts = _header(headers, "webhook-timestamp")
        sigs = _header(headers, "webhook-signature")
        if not msg_id or not ts or not sigs:
            raise WebhookVerificationError(
                "missing_headers", "webhook: missing webhook-id, webhook-timestamp or webhook-signature")
        if not ts.isdigit() or not ts.isascii():
            raise WebhookVerificationError("timestamp", "webhook: timestamp is not Unix seconds")
        if self.tolerance > 0 and abs(self.now() - int(ts)) > self.tolerance:
            raise WebhookVerificationError("timestamp", "webhook: timestamp too far from now")
        signed = ("%s.%s." % (msg_id, ts)).encode("utf-8") + raw
        wants = [hmac.new(k, signed, hashlib.sha256).digest() for k in self._keys]
        ok = False
        for s in sigs.split():
            version, _, b64 = s.partition(",")
            if version != "v1" or not b64:
                continue
            try:
                got = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                continue
            for want in wants:
                # Every signature against every secret, each in constant time.
                if hmac.compare_digest(got, want):
                    ok = True
        if not ok:
            raise WebhookVerificationError("signature", "webhook: no valid signature")
        try:
            m = json.loads(raw.decode("utf-8"))
        except ValueError as e:
            raise ValueError("webhook %s: decode body: %s" % (msg_id, e)) from None
        return WebhookMessage(id=msg_id, type=m.get("type", ""), timestamp=m.get("timestamp", ""), data=m.get("data"))
