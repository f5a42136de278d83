// Compiled, not run (npm run typecheck): the types say what the API takes
// and answers, and refuse what it refuses.
import {
  StagecoachClient,
  StagecoachError,
  WebhookVerifier,
  toArray,
  type Order,
  type OrderEvent,
  type Package,
  type WebhookMessage,
} from "../index.js";

export async function uses(sc: StagecoachClient, v: WebhookVerifier, raw: Uint8Array): Promise<void> {
  const pkgs: Package[] = await sc.publishPackages([{ id: "go", name: "Go", kind: "assessment", leverTag: "T: Go" }]);
  for await (const o of sc.listOrders({ status: "invited", updatedSince: new Date() })) {
    const order: Order = o;
    const done: Order = await sc.reportEvent(order.id, {
      type: "completed",
      score: 82,
      maxScore: 100,
      report: { filename: "r.pdf", contentBase64: "JVBERi0=" },
    }, { idempotencyKey: `${order.id}:completed` });
    void done.result?.score;
  }
  const all: Order[] = await toArray(sc.listOrders());
  const { export: x, created } = await sc.exportCandidate({ providerCandidateId: "hj-1", outcome: "successful" });
  void [pkgs, all, x.status, created];
  const msg: WebhookMessage<Order> = v.verify(new Headers(), raw);
  void msg.data.candidate.email;
  try {
    await sc.me();
  } catch (e) {
    if (e instanceof StagecoachError && e.code === "conflict") void e.errors[0]?.field;
  }

  // @ts-expect-error an order status that does not exist
  sc.listOrders({ status: "done" });
  // @ts-expect-error an event type that does not exist
  const bad: OrderEvent = { type: "finished" };
  // @ts-expect-error a scheduled event needs startsAt and meetingUrl
  const unscheduled: OrderEvent = { type: "scheduled" };
  // @ts-expect-error a package kind that does not exist
  await sc.publishPackages([{ id: "x", name: "X", kind: "quiz" }]);
  // @ts-expect-error parsed JSON is not the raw body
  v.verify(new Headers(), { type: "order.created" });
  void [bad, unscheduled];
}
