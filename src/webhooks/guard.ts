/** Turns a refused webhook URL into the 422 the platform answers at run/cron creation. */
import { unprocessable } from "../core/errors.ts";
import { WebhookUrlError } from "./policy.ts";

/** What can validate a URL (the dispatcher). */
export interface WebhookValidator {
  validate(url: string): Promise<void>;
}

/** A check for services: throws a `unprocessable` domain error with the policy's reason. */
export function webhookGuard(validator: WebhookValidator): (url: string) => Promise<void> {
  return async function checkWebhook(url) {
    try {
      await validator.validate(url);
    } catch (err) {
      if (err instanceof WebhookUrlError) throw unprocessable(err.message);
      throw err;
    }
  };
}
