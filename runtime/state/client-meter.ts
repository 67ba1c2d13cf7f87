import type { RouteClient } from '../router/types.ts';
import type { Client } from './client-registry.ts';
import { budgetPeriodStart } from './ledger.ts';

const MINUTE = 60_000;

/** A request a client's limits refuse: the server answers it in the client's protocol. */
export class ClientRefusal extends Error {
  readonly status: 429;
  readonly code: 'rate_limit_exceeded' | 'budget_exceeded';
  /** seconds until a retry can pass; null: not before the budget period ends */
  readonly retryAfterS: number | null;
  constructor(code: ClientRefusal['code'], message: string, retryAfterS: number | null) {
    super(message);
    this.status = 429;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

export type ClientConstraints = RouteClient;

interface TokenEntry {
  ts: number;
  tokens: number;
}

/** Per-client live counters: requests and tokens of the last minute, spend of the budget period, and holds in flight. */
interface ClientState {
  requests: number[];
  tokens: TokenEntry[];
  periodStart: number;
  per: string;
  /** settled USD spent this period (null: not read from the database yet) */
  spent: number | null;
  /** estimated USD of paid requests in flight */
  held: number;
}

/** Start of the UTC day or month containing `now` (the policy budget's period, for a client's budget too). */
export const periodStart = budgetPeriodStart;

function nextPeriod(per: 'day' | 'month', now: number): number {
  const d = new Date(periodStart(per, now));
  return per === 'day' ? d.getTime() + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * Client limits, exact under concurrency: a check and the hold it makes happen in one synchronous step (Node runs one
 * at a time), so N concurrent requests cannot all pass a limit that has room for one. rpm counts a request when it
 * is admitted; tpm holds the router's estimate when a model is chosen and settles to the upstream's usage; the
 * budget holds the estimated cost of a paid request in flight, so spend can pass the budget only by what the
 * estimates missed.
 */
export class ClientMeter {
  private readonly states = new Map<string, ClientState>();
  private readonly spentSince: (client: string, since: number) => number;

  constructor(spentSince: (client: string, since: number) => number) {
    this.spentSince = spentSince;
  }

  private state(name: string): ClientState {
    let s = this.states.get(name);
    if (!s) {
      s = { requests: [], tokens: [], periodStart: -1, per: '', spent: null, held: 0 };
      this.states.set(name, s);
    }
    return s;
  }

  /** Admit one request of `client` (its rpm); returns the ticket the rest of the request uses. */
  open(client: Client, now: number): ClientTicket {
    const s = this.state(client.name);
    if (client.rpm !== null) {
      while (s.requests.length > 0 && s.requests[0] <= now - MINUTE) s.requests.shift();
      if (s.requests.length >= client.rpm) {
        const wait = Math.max(1, Math.ceil((s.requests[0] + MINUTE - now) / 1000));
        throw new ClientRefusal('rate_limit_exceeded', `client "${client.name}" is limited to ${client.rpm} requests per minute; retry in ${wait}s`, wait);
      }
      s.requests.push(now);
    }
    return new ClientTicket(this, client, s);
  }

  /** USD spent (settled) plus held (in flight) in the client's budget period. */
  budgetUse(client: Client, s: ClientState, now: number): { spent: number; held: number } {
    const b = client.budget!;
    const start = periodStart(b.per, now);
    if (s.periodStart !== start || s.per !== b.per || s.spent === null) {
      s.periodStart = start;
      s.per = b.per;
      s.spent = this.spentSince(client.name, start);
    }
    return { spent: s.spent, held: s.held };
  }

  /** What the client used this minute and this budget period (for /v1/usage and `gw keys list`). */
  live(client: Client, now: number): { requestsLastMinute: number; tokensLastMinute: number; budgetHeld: number } {
    const s = this.states.get(client.name);
    if (!s) return { requestsLastMinute: 0, tokensLastMinute: 0, budgetHeld: 0 };
    return {
      requestsLastMinute: s.requests.filter((t) => t > now - MINUTE).length,
      tokensLastMinute: s.tokens.filter((e) => e.ts > now - MINUTE).reduce((a, e) => a + e.tokens, 0),
      budgetHeld: s.held,
    };
  }

  static nextPeriod = nextPeriod;
}

/** One request of one client: its constraints for the router, its holds, and their settlement. */
export class ClientTicket {
  readonly client: Client;
  private readonly meter: ClientMeter;
  private readonly s: ClientState;
  private tokens: TokenEntry | null = null;
  private held = 0;
  private heldPeriod = -1;
  private done = false;

  constructor(meter: ClientMeter, client: Client, s: ClientState) {
    this.meter = meter;
    this.client = client;
    this.s = s;
  }

  get name(): string {
    return this.client.name;
  }

  /** Right before each decision: the budget's verdict (throws when it is spent and the setting is block). */
  constraints(now: number): ClientConstraints {
    const c = this.client;
    let freeOnly = false;
    if (c.budget) {
      const { spent, held } = this.meter.budgetUse(c, this.s, now);
      // this request's own hold (a retry) does not count against itself
      const others = held - (this.heldPeriod === this.s.periodStart ? this.held : 0);
      if (spent + others >= c.budget.usd) {
        if (c.budget.then === 'block') {
          const wait = Math.max(1, Math.ceil((ClientMeter.nextPeriod(c.budget.per, now) - now) / 1000));
          throw new ClientRefusal('budget_exceeded', `client "${c.name}" has spent its budget of $${c.budget.usd} per ${c.budget.per} ($${spent.toFixed(4)} spent${others > spent ? ', more in flight' : ''})`, wait);
        }
        freeOnly = true;
      }
    }
    return { name: c.name, freeOnly, models: c.models, scenarios: c.scenarios };
  }

  /**
   * A model was chosen (same tick as the decision): hold the request's token estimate against tpm (first attempt; a
   * retry keeps the hold) and its estimated cost against the budget (0 for a free or local model). Throws when tpm
   * has no room for it.
   */
  admit(estimateTokens: number, estimatedCost: number, now: number): void {
    const c = this.client;
    const s = this.s;
    if (c.tpm !== null && this.tokens === null) {
      while (s.tokens.length > 0 && s.tokens[0].ts <= now - 60_000) s.tokens.shift();
      let used = 0;
      for (const e of s.tokens) used += e.tokens;
      if (used + estimateTokens > c.tpm) {
        const over = used + estimateTokens - c.tpm;
        let freed = 0;
        let wait = 60;
        for (const e of s.tokens) {
          freed += e.tokens;
          if (freed >= over) {
            wait = Math.max(1, Math.ceil((e.ts + 60_000 - now) / 1000));
            break;
          }
        }
        const message =
          estimateTokens > c.tpm
            ? `this request needs ~${estimateTokens} tokens, more than client "${c.name}"'s limit of ${c.tpm} tokens per minute`
            : `client "${c.name}" is limited to ${c.tpm} tokens per minute (${used} used, ~${estimateTokens} needed); retry in ${wait}s`;
        throw new ClientRefusal('rate_limit_exceeded', message, wait);
      }
      this.tokens = { ts: now, tokens: estimateTokens };
      s.tokens.push(this.tokens);
    }
    if (c.budget) {
      if (this.heldPeriod === s.periodStart) s.held -= this.held;
      this.held = estimatedCost;
      this.heldPeriod = s.periodStart;
      s.held += estimatedCost;
    }
  }

  /** The request finished: tokens settle to what the upstream reported (none on failure), the hold becomes the cost. */
  finish(totalTokens: number | null, cost: number, startedAt: number): void {
    if (this.done) return;
    this.done = true;
    if (this.tokens) this.tokens.tokens = totalTokens ?? 0;
    const s = this.s;
    if (this.client.budget) {
      if (this.heldPeriod === s.periodStart) s.held = Math.max(0, s.held - this.held);
      if (s.spent !== null && startedAt >= s.periodStart) s.spent += cost;
    }
  }
}
