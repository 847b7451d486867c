/** Dead-letter use cases: list, read, redeliver (removed once delivered), discard. */

import type { Scope } from "../auth/scope.ts";
import { notFound } from "../core/errors.ts";
import type { DeadLetter, DeadLetterQuery, DeadLetterRepository } from "./dead-letters.ts";
import type { DeliveryOutcome } from "./dispatcher.ts";

/** What redelivers a stored payload (the dispatcher). */
export interface Redeliverer {
  deliver(url: string, payload: Record<string, unknown>): Promise<DeliveryOutcome>;
}

const missing = (id: string) => notFound(`Dead letter ${id} not found`);

/** Dead letters as the API sees them. */
export class DeadLettersService {
  constructor(
    private readonly repo: DeadLetterRepository,
    private readonly dispatcher: Redeliverer,
  ) {}

  /** Newest first, within the caller's scope. */
  list(query: DeadLetterQuery, scope?: Scope): Promise<DeadLetter[]> {
    return this.repo.list(query, scope);
  }

  /** One dead letter; 404 when missing or out of scope. */
  async get(id: string, scope?: Scope): Promise<DeadLetter> {
    const found = await this.repo.get(id, scope);
    if (!found) throw missing(id);
    return found;
  }

  /** Sends the stored payload again (with retries); a delivered dead letter is removed. */
  async retry(id: string, scope?: Scope): Promise<DeliveryOutcome> {
    const letter = await this.get(id, scope);
    const outcome = await this.dispatcher.deliver(letter.url, letter.payload);
    if (outcome.delivered) await this.repo.delete(id, scope);
    return outcome;
  }

  /** Discards a dead letter; 404 when missing or out of scope. */
  async delete(id: string, scope?: Scope): Promise<void> {
    if (!(await this.repo.delete(id, scope))) throw missing(id);
  }
}
