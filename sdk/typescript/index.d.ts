// Types of @stagecoach/provider. They follow the OpenAPI document the
// server serves at /v1/openapi.json (internal/api/openapi.json) and
// docs/provider-api.md.

export declare const USER_AGENT: string;
export declare const DEFAULT_TOLERANCE_SECONDS: number;

export type ProviderKind = "assessment" | "video_interview" | "interview_service" | "sourcing";
export type PackageKind = "assessment" | "interview_kit" | "interview_plan";
export type OrderStatus = "created" | "invited" | "scheduled" | "started" | "completed" | "cancelled" | "expired";
export type ProblemCode =
  | "invalid" | "not_found" | "conflict" | "unauthorized" | "forbidden" | "too_large" | "internal" | "gone";

export interface Profile { id: string; name: string; kind: ProviderKind }
/** A new webhook secret, shown once; the old one signs until previousSecretExpiresAt. */
export interface RotatedSecret { webhookSecret: string; previousSecretExpiresAt: string }

export interface Package {
  id: string;
  name: string;
  kind: PackageKind;
  /** Required for assessment packages: the Lever tag that chooses the package. */
  leverTag?: string;
}

export interface Person { id?: string; name?: string; email?: string }

export interface Result {
  score: number;
  maxScore: number;
  result?: string;
  attributes?: Record<string, string | number | boolean>;
  resultUrl?: string;
}

export interface Order {
  id: string;
  status: OrderStatus;
  connectionId: string;
  integrationId: string;
  package: { id: string; name: string };
  candidate: { name: string; email: string };
  opportunity: { id: string; url?: string; stageId?: string };
  posting: { id?: string; title?: string };
  owner: Person;
  candidateUrl?: string | null;
  evaluationUrl?: string | null;
  result?: Result | null;
  /** Why the last reported event cannot be written to Lever; null otherwise. */
  lastError?: string | null;
  /** Only in an order.cancelled webhook: "opportunity_archived" or "opportunity_deleted". */
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

/** A PDF report, inline (base64) or at a public URL; at most 10 MiB. */
export type Report =
  | { filename: string; contentBase64: string }
  | { filename: string; url: string };

/** What a provider reports about an order; which fields apply depends on type. */
export type OrderEvent =
  | { type: "invited"; candidateUrl?: string; schedulingUrl?: string }
  | { type: "started" }
  | {
      type: "completed";
      score?: number;
      maxScore?: number;
      result?: string;
      attributes?: Record<string, string | number | boolean>;
      resultUrl?: string;
      report?: Report;
      evaluationUrl?: string;
    }
  | { type: "scheduled"; startsAt: string; meetingUrl: string; interviewer?: string; round?: string }
  | { type: "rescheduled"; startsAt?: string; meetingUrl?: string; interviewer?: string }
  | {
      type: "feedback";
      recommendation: string;
      feedbackUrl: string;
      videoUrl?: string;
      summary?: string;
      interviewer?: string;
      round?: string;
    }
  | { type: "cancelled"; reason?: string }
  | { type: "expired" };

export interface IntegrationSettings {
  triggerStage?: string;
  performAs?: string;
  completionStage?: string;
  invitedTag?: string;
  completedTag?: string;
  formTemplate?: string;
  defaultPackage?: string;
  postingPackages?: Record<string, string>;
  jobSyncTag?: string;
  feedbackForm?: boolean;
  feedbackTemplate?: string;
  [setting: string]: unknown;
}

export interface Integration {
  id: string;
  connectionId: string;
  enabled: boolean;
  settings: IntegrationSettings;
  createdAt: string;
  updatedAt: string;
}

export interface KitMap { defaultPackage: string; postingPackages: Record<string, string> }

export interface PostingSync { status: "queued" | "already_queued"; queued: boolean }

export interface Decision {
  integrationId: string;
  decision: "ordered" | "reinvited" | "ignored" | "cancelled" | "notified";
  reason: string;
  orderId?: string | null;
}

export interface LeverEvent {
  id: string;
  event: string;
  opportunityId: string;
  source: "webhook" | "reconcile";
  receivedAt: string;
  decisions: Decision[];
}

export interface ExportInput {
  providerCandidateId: string;
  outcome: "successful" | "unsuccessful";
  connection?: string;
  candidate?: {
    name?: string;
    emails?: string[];
    phones?: { type?: string; value: string }[];
    links?: string[];
    profileUrl?: string;
    headline?: string;
    location?: string;
  };
  cv?: { filename: string; contentBase64: string } | { filename: string; url: string };
  roleId?: string;
  stage?: string;
  recruiterEmail?: string;
}

export interface Export {
  id: string;
  providerCandidateId: string;
  connectionId: string;
  integrationId: string;
  status: "pending" | "exported" | "failed" | "deleted";
  outcome: "successful" | "unsuccessful";
  pseudonym?: string | null;
  roleId?: string | null;
  postingId?: string | null;
  stage?: string | null;
  leverStageId?: string | null;
  opportunity?: { id: string; url?: string; stageId?: string } | null;
  lastError?: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string | null;
}

export interface FieldError { field: string; message: string }

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

/** An error answer of the API (application/problem+json). */
export declare class StagecoachError extends Error {
  constructor(problem: Problem, where?: { method?: string; path?: string });
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly errors: FieldError[];
  readonly method?: string;
  readonly path?: string;
  /** The last segment of type, e.g. "conflict". */
  readonly code: ProblemCode | string;
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** Bound of each attempt in milliseconds (default 30000; 0: none). */
  timeoutMs?: number;
  /** Retries of a retryable call after the first attempt (default 3). */
  maxRetries?: number;
}

export interface CallOptions { signal?: AbortSignal }
/** POST options: every POST carries an Idempotency-Key, random unless given. */
export interface PostOptions extends CallOptions { idempotencyKey?: string }

export interface ListOrdersParams {
  status?: OrderStatus;
  connection?: string;
  posting?: string;
  updatedSince?: Date | string;
  limit?: number;
}

export interface ListExportsParams {
  connection?: string;
  status?: Export["status"];
  providerCandidateId?: string;
  limit?: number;
}

export declare class StagecoachClient {
  constructor(opts: ClientOptions);
  readonly baseUrl: string;
  request(
    method: "GET" | "PUT" | "POST",
    path: string,
    opts?: PostOptions & { body?: unknown },
  ): Promise<{ status: number; body: any }>;
  paginate<T = unknown>(path: string, params?: Record<string, unknown>, opts?: CallOptions): AsyncGenerator<T, void, undefined>;
  openapi(opts?: CallOptions): Promise<Record<string, unknown>>;
  me(opts?: CallOptions): Promise<Profile>;
  rotateWebhookSecret(params?: { graceSeconds?: number }, opts?: CallOptions): Promise<RotatedSecret>;
  publishPackages(packages: Package[], opts?: CallOptions): Promise<Package[]>;
  listPackages(opts?: CallOptions): Promise<Package[]>;
  listOrders(params?: ListOrdersParams, opts?: CallOptions): AsyncGenerator<Order, void, undefined>;
  getOrder(id: string, opts?: CallOptions): Promise<Order>;
  reportEvent(orderId: string, event: OrderEvent, opts?: PostOptions): Promise<Order>;
  listIntegrations(opts?: CallOptions): Promise<Integration[]>;
  getIntegration(id: string, opts?: CallOptions): Promise<Integration>;
  getKitMap(integrationId: string, opts?: CallOptions): Promise<KitMap>;
  setKitMap(integrationId: string, kitMap: Partial<KitMap>, opts?: CallOptions): Promise<KitMap>;
  syncPostings(integrationId: string, opts?: PostOptions): Promise<PostingSync>;
  listLeverEvents(params?: { opportunity?: string; limit?: number }, opts?: CallOptions): AsyncGenerator<LeverEvent, void, undefined>;
  getLeverEvent(id: string, opts?: CallOptions): Promise<LeverEvent>;
  exportCandidate(input: ExportInput, opts?: PostOptions): Promise<{ export: Export; created: boolean }>;
  listExports(params?: ListExportsParams, opts?: CallOptions): AsyncGenerator<Export, void, undefined>;
  getExport(id: string, opts?: CallOptions): Promise<Export>;
  reportExportStage(exportId: string, stage: string, opts?: PostOptions): Promise<Export>;
}

export declare function toArray<T>(iterable: AsyncIterable<T>): Promise<T[]>;

export type WebhookType =
  | "order.created" | "order.reinvite" | "order.failed" | "order.cancelled"
  | "job.synced" | "job.removed"
  | "export.created" | "export.failed" | "export.candidateStageChange" | "export.candidateArchiveChange"
  | "export.candidateHired" | "export.candidateDeleted"
  | "export.interviewCreated" | "export.interviewUpdated" | "export.interviewDeleted"
  | "connection.broken" | "connection.restored";

/** A verified webhook. data is the order for the order.* types. */
export interface WebhookMessage<D = any> {
  /** The webhook-id header, the same for every delivery of one message: drop a redelivery. */
  id: string;
  type: WebhookType | string;
  timestamp: string;
  data: D;
}

export declare class WebhookVerificationError extends Error {
  readonly reason: "missing_headers" | "timestamp" | "signature";
}

export interface WebhookVerifierOptions {
  /** How far the timestamp may be from now, either way (default 300; 0 disables the check). */
  toleranceSeconds?: number;
  /** The current time in milliseconds (default Date.now). */
  now?: () => number;
}

export declare class WebhookVerifier {
  /** One secret ("whsec_…"), or several while one is rotated. */
  constructor(secrets: string | string[], opts?: WebhookVerifierOptions);
  /**
   * Checks the headers against the raw body, exactly as received (not
   * re-serialised JSON), and returns the message.
   */
  verify<D = any>(
    headers: Headers | Record<string, string | string[] | undefined>,
    body: Uint8Array | ArrayBuffer | string,
  ): WebhookMessage<D>;
}
