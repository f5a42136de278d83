"""The shapes of the provider API's JSON (see /v1/openapi.json). They are
TypedDicts: the client returns plain dicts, and these name their keys."""

from typing import Dict, List, Optional, Union

try:
    from typing import TypedDict
except ImportError:  # pragma: no cover
    TypedDict = dict  # type: ignore


class Package(TypedDict, total=False):
    id: str
    name: str
    kind: str  # assessment, interview_kit, interview_plan
    leverTag: str  # required for assessment packages


class Result(TypedDict, total=False):
    score: float
    maxScore: float
    result: str
    attributes: Dict[str, Union[str, float, bool]]
    resultUrl: str


class Order(TypedDict, total=False):
    id: str
    status: str  # created, invited, scheduled, started, completed, cancelled, expired
    connectionId: str
    integrationId: str
    package: Dict[str, str]
    candidate: Dict[str, str]
    opportunity: Dict[str, str]
    posting: Dict[str, str]
    owner: Dict[str, str]
    candidateUrl: Optional[str]
    evaluationUrl: Optional[str]
    result: Optional[Result]
    lastError: Optional[str]
    reason: str  # only in order.cancelled
    createdAt: str
    updatedAt: str


class KitMap(TypedDict):
    defaultPackage: str
    postingPackages: Dict[str, str]


class FieldError(TypedDict):
    field: str
    message: str


class Problem(TypedDict, total=False):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: List[FieldError]
