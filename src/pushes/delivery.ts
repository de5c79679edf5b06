// Delivering pushes to the app's backends: the queue consumer (one POST per message, retried with
// backoff through the queue, a dead-letter queue after the last try) and the reply target's call
// made while WeChat waits. Every POST carries the same delivery id on every try and a fresh
// signature the appKey's PushInbox makes (the delivery secret never leaves it).

import { inboxFor } from "./inbox.ts";
import type { QueuedDelivery } from "./schemas.ts";

/** The queue whose consumer gives up on a delivery: wrangler.toml's dead_letter_queue. */
const DEAD_LETTER_QUEUE = "push-deliveries-failed";
/**
 * One try at a backend. A backend that takes longer is treated as down and tried again later;
 * a consumer invocation may run for minutes, but a batch waits for its slowest message.
 */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Backoff between tries: 10 s, doubling, at most an hour (wrangler.toml's max_retries bounds the tries). */
const RETRY_FIRST_DELAY_SECONDS = 10;
const RETRY_MAX_DELAY_SECONDS = 3_600;

/** The delay before try `attempts + 1`, after `attempts` failed ones. */
function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_DELAY_SECONDS, RETRY_FIRST_DELAY_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/** POSTs one delivery; answers the status (null for a timeout or no answer) and the response. */
export async function post(
  delivery: { id: string; url: string; body: string },
  signature: string,
  timeoutMs: number,
): Promise<{ status: number | null; response: Response | null }> {
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Gateway-Delivery": delivery.id,
        "X-Gateway-Signature": signature,
      },
      body: delivery.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, response };
  } catch {
    return { status: null, response: null };
  }
}

const isSuccess = (status: number | null) => status !== null && status >= 200 && status < 300;

async function deliverOne(env: Env, message: Message<QueuedDelivery>): Promise<void> {
  const delivery = message.body;
  const inbox = inboxFor(env, delivery.appKey);
  const prepared = await inbox.prepare(delivery.id, delivery.body);
  if (!prepared.deliver) {
    message.ack();
    return;
  }
  const { status, response } = await post(delivery, prepared.signature, DELIVERY_TIMEOUT_MS);
  await response?.body?.cancel();
  const delivered = isSuccess(status);
  await inbox.attempted(delivery.id, status, delivered);
  if (delivered) {
    message.ack();
    return;
  }
  console.log(
    JSON.stringify({
      event: "push_delivery_failed",
      appKey: delivery.appKey,
      delivery: delivery.id,
      status,
      attempts: message.attempts,
    }),
  );
  message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** The dead-letter queue: the delivery is failed for good, until an operator retries it. */
async function deadLetter(env: Env, message: Message<QueuedDelivery>): Promise<void> {
  await inboxFor(env, message.body.appKey).deadLettered(message.body.id);
  console.log(
    JSON.stringify({ event: "push_delivery_dead", appKey: message.body.appKey, delivery: message.body.id }),
  );
  message.ack();
}

/** The Worker's queue() handler: deliveries, or the dead letters of the delivery queue. */
export async function consumeDeliveries(batch: MessageBatch<QueuedDelivery>, env: Env): Promise<void> {
  const handle = batch.queue === DEAD_LETTER_QUEUE ? deadLetter : deliverOne;
  // Each message on its own: one slow or failing backend never holds back the others' acks.
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await handle(env, message);
      } catch (error) {
        console.error(JSON.stringify({ event: "push_consumer_error", error: String(error) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
