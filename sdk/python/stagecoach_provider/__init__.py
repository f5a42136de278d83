"""stagecoach_provider: the Python client of the stagecoach provider API and a
verifier for the webhooks stagecoach sends. Standard library only; Python 3.9+."""

from .client import USER_AGENT, Client, StagecoachError
from .webhooks import DEFAULT_TOLERANCE, WebhookMessage, WebhookVerificationError, WebhookVerifier

__all__ = [
    "USER_AGENT",
    "Client",
    "StagecoachError",
    "DEFAULT_TOLERANCE",
    "WebhookMessage",
    "WebhookVerificationError",
    "WebhookVerifier",
]
__version__ = "0.1.0"
