import type Database from 'better-sqlite3';
import { ofetch } from 'ofetch';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision, StateSnapshot } from '../router/types.ts';
import type { Env } from '../providers/keys.ts';
import type { Accounting, CompletedRequest, Recorder } from './accounting.ts';
import { computeAlerts, webhookUrl, type Alert } from './alerts.ts';
import { costAndSaving } from './cost.ts';
import { Metrics, type Cell } from './metrics.ts';
import { OverlayStore } from './overlay.ts';
import { QuotaAccounting } from './quota-accounting.ts';
import { quotaStatuses } from './quota-status.ts';
import { redactDeep, redactText } from './redact-log.ts';
import { encodeDecision } from './log-decision.ts';
import { RequestLog, type LogBodies, type RequestRow } from './request-log.ts';
import { scrubberFor } from '../secrets/scrubber.ts';
import { AnswerJournal, journalPathOf } from './answer-journal.ts';
import { SessionPins } from './session-pins.ts';
import type { Logger } from '../log/logger.ts';

const DAY = 86_400_000;

type Money = ReturnType<typeof costAndSaving>;
const TOKENS_HELP = 'Tokens reported by upstreams (kind reasoning is of completion; cache_read and cache_write of prompt).';

/** The metric series one label set of finished requests counts in (see Ledger.cellsFor). */
interface RequestCells {
  requests: Cell;
  prompt?: Cell;
  completion?: Cell;
  reasoning?: Cell;
  cached?: Cell;
  cacheWrite?: Cell;
  cost?: Cell;
  saved?: Cell;
  latency?: Cell;
}

/** Start of the budget period (UTC day or month) containing `now`. */
export function budgetPeriodStart(per: 'day' | 'month', now: number): number {
  const d = new Date(now);
  return per === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * gw's memory on embedded SQLite: free-quota usage per period (reserved when routed, settled to the upstream's usage,
 * released on failure), spend for the budget, the request log, registered quotas, metrics and quota alerts.
 */
export class Ledger extends QuotaAccounting implements Accounting, Recorder {
  readonly db: Database.Database;
  readonly requests: RequestLog;
  readonly overlays: OverlayStore;
  /** session affinity: where each session stays (`sticky`) */
  readonly sessions: SessionPins;
  readonly metrics = new Metrics();
  private spend = { start: -1, per: '' as string, usd: 0 };
  private log: Logger;
  private env: Env;
  private alertTimer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private readonly cells = new Map<string, RequestCells>();
  /** alert keys known to be in alerts_sent */
  private readonly alertsSent = new Set<string>();
  private readonly alertSeen: Database.Statement;
  private readonly alertMark: Database.Statement;
  private readonly pruneRequests: Database.Statement;
  /** finished requests whose recording waits for the answer to be written (see complete) */
  private queued: { table: DecisionTable; req: CompletedRequest; money: Money; row: RequestRow }[] = [];
  private journal: AnswerJournal | null = null;
  private drainScheduled = false;
  private readonly drainSoon = () => this.drain();
  /** called with each finished request's row once it is recorded (the console's live log) */
  readonly recorded = new Set<(row: RequestRow) => void>();

  constructor(db: Database.Database, opts: { log: Logger; env: Env }) {
    super(db);
    this.db = db;
    this.log = opts.log;
    this.env = opts.env;
    this.requests = new RequestLog(db, {
      onError: (m) => this.log.error(m),
      beforeRead: () => this.drain(),
      afterWrite: () => {
        // the journal's lines of deferred settles go only once their rows are written
        try {
          this.quotas.flush();
        } catch (e) {
          this.log.error(`free-quota usage not written (the answered-requests journal keeps it for the next start): ${(e as Error).message}`);
          return;
        }
        this.journal?.clear();
      },
      mustCommit: () => this.journal?.full ?? false,
    });
    this.overlays = new OverlayStore(db);
    this.sessions = new SessionPins(db);
    this.alertSeen = db.prepare('SELECT 1 FROM alerts_sent WHERE key = ?');
    this.alertMark = db.prepare('INSERT OR IGNORE INTO alerts_sent (key, ts) VALUES (?, ?)');
    this.pruneRequests = db.prepare('DELETE FROM requests WHERE ts < ?');
  }

  // ---- Accounting: what the router reads, and reservations -------------------------------------------------------
  snapshot(table: DecisionTable, now: number): StateSnapshot {
    return { quota: this.quotas.snapshot(table, now), spentUsd: table.budget ? this.spent(table, now) : 0 };
  }

  protected override exhausted(modelId: string): void {
    this.log.warn(`free quota of ${modelId} reported exhausted by the provider; skipped until its next reset`);
  }

  spent(table: DecisionTable, now: number): number {
    const per = table.budget?.per ?? 'day';
    const start = budgetPeriodStart(per, now);
    if (this.spend.start !== start || this.spend.per !== per) this.spend = { start, per, usd: this.requests.spentSince(start) };
    return this.spend.usd;
  }

  // ---- Recorder: a finished request -------------------------------------------------------------------------------
  /**
   * A finished request: its settled usage is committed and its cost counted toward the budget before this returns
   * (before the answer leaves), and its requests row is appended to the answered-requests journal when one is open
   * (openJournal), so a crash loses none of it. The rest — the row's group-committed write, the log entry, metrics,
   * alerts — is work the answer need not wait for: it is queued and done right after the answer is written
   * (setImmediate), and before anything reads it (the request log's reads, `drain` for the metrics).
   */
  complete(table: DecisionTable, req: CompletedRequest): void {
    const money = costAndSaving(table, req.decision, req.model, req.usage);
    const row = requestRow(req, money);
    const r = req.reservation;
    const tokens = r ? (req.usage ? req.usage.total_tokens : r.tokens) : 0;
    let seq = 0;
    if (this.journal) {
      try {
        seq = this.journal.append(row, r && tokens > 0 ? { model: r.model, periodStart: r.periodStart, tokens } : null);
      } catch (e) {
        this.log.error(`answered-requests journal: ${(e as Error).message}`);
      }
    }
    // a journaled settle's row is written with the turn's others (drain): the journal line already survives a crash
    if (r) this.quotas.settle(r.model, r.periodStart, r.tokens, tokens, seq, seq > 0);
    if (this.spend.start >= 0 && req.startedAt >= this.spend.start) this.spend.usd += money.cost;
    req.ticket?.finish(req.usage ? req.usage.total_tokens : null, money.cost, req.startedAt);
    this.queued.push({ table, req, money, row });
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainSoon);
    }
  }

  /**
   * Keep the answered-requests journal next to the database (the serving gateway does; readers of the state do not):
   * first replay what a crashed run left in it. Returns how many requests rows the replay restored.
   */
  openJournal(): number {
    if (this.journal || this.db.memory) return 0;
    const { journal, replayed } = AnswerJournal.open(this.db, journalPathOf(this.db.name));
    this.journal = journal;
    if (replayed) this.log.warn(`restored ${replayed} answered request${replayed === 1 ? '' : 's'} from the journal of a run that did not stop cleanly`);
    return replayed;
  }

  /**
   * The serving gateway's request log writes on a thread of its own (RequestLog.startWriter): compressing bodies and
   * inserting rows leave the request path; reads wait for its commit, and the journal covers a crash meanwhile.
   */
  startLogWriter(): void {
    this.requests.startWriter();
  }

  /** Record what finished requests left queued. Never throws: it runs from a timer. */
  drain(): void {
    this.drainScheduled = false;
    try {
      this.quotas.flush();
    } catch (e) {
      this.log.error(`free-quota usage not written (the answered-requests journal keeps it for the next start): ${(e as Error).message}`);
    }
    if (this.queued.length === 0) return;
    const q = this.queued;
    this.queued = [];
    for (const { table, req, money, row } of q) {
      try {
        this.record(table, req, money, row);
      } catch (e) {
        this.log.error(`recording request ${req.id}: ${(e as Error).message}`);
      }
    }
  }

  private record(table: DecisionTable, req: CompletedRequest, money: Money, row: RequestRow): void {
    this.requests.write(row, logBodies(table, req, row, this.env));
    for (const f of this.recorded) f(row);
    const { cost, saved } = money;
    const d = req.decision;
    const model = req.model ?? 'none';
    const client = req.client ?? null;
    const c = this.cellsFor(model, d?.scenario ?? 'none', d?.tier ?? 'none', req.status, client);
    // a request with a client key carries its name as the `client` label
    const who: Record<string, string> = client === null ? {} : { client };
    c.requests.value += 1;
    if (req.usage) {
      (c.prompt ??= this.metrics.series('gw_tokens_total', TOKENS_HELP, { model, kind: 'prompt', ...who })).value += req.usage.prompt_tokens;
      (c.completion ??= this.metrics.series('gw_tokens_total', TOKENS_HELP, { model, kind: 'completion', ...who })).value += req.usage.completion_tokens;
      // the detail (of prompt and completion, not on top of them), counted once a provider reported it
      const { reasoning_tokens: reasoning, cached_tokens: cached, cache_write_tokens: write } = req.usage;
      if (reasoning) (c.reasoning ??= this.metrics.series('gw_tokens_total', TOKENS_HELP, { model, kind: 'reasoning', ...who })).value += reasoning;
      if (cached) (c.cached ??= this.metrics.series('gw_tokens_total', TOKENS_HELP, { model, kind: 'cache_read', ...who })).value += cached;
      if (write) (c.cacheWrite ??= this.metrics.series('gw_tokens_total', TOKENS_HELP, { model, kind: 'cache_write', ...who })).value += write;
    }
    if (cost) (c.cost ??= this.metrics.series('gw_cost_usd_total', 'USD spent on paid models.', { model, ...who })).value += cost;
    if (saved) (c.saved ??= this.metrics.series('gw_saved_usd_total', 'USD saved by free and local answers against the paid choice.', { model, ...who })).value += saved;
    // session affinity: how often a session stayed on its model, moved, or started (answered requests only)
    if (d?.sticky && req.model) this.stickyCell(d.sticky.state).value += 1;
    (c.latency ??= this.metrics.series('gw_request_latency_ms_sum', 'Total request latency in ms (divide by gw_requests_total).', { model, ...who })).value += req.latencyMs;
    if (req.reservation) void this.checkAlerts(table, Date.now());
    if (req.startedAt - this.lastPrune > 3600_000) this.prune(table, req.startedAt);
  }

  /**
   * The metric series a request with these labels counts in, found once per label set (building and escaping label
   * text per request cost more than the counting). A series is created when first counted, as the metrics list it.
   */
  private cellsFor(model: string, scenario: string, tier: string, status: number, client: string | null): RequestCells {
    const key = `${model}\u0000${scenario}\u0000${tier}\u0000${status}\u0000${client ?? ''}`;
    let c = this.cells.get(key);
    if (!c) {
      const labels: Record<string, string> = { model, scenario, tier, status: String(status) };
      if (client !== null) labels.client = client;
      c = { requests: this.metrics.series('gw_requests_total', 'Requests answered, by model, scenario, tier, status and client.', labels) };
      this.cells.set(key, c);
    }
    return c;
  }

  private readonly sticky = new Map<string, Cell>();
  private stickyCell(state: string): Cell {
    let c = this.sticky.get(state);
    if (!c) this.sticky.set(state, (c = this.metrics.series('gw_sticky_total', 'Answered requests under session affinity, by what it made of them: new, fresh, idle, kept, moved.', { state })));
    return c;
  }

  prune(table: DecisionTable, now: number): void {
    this.lastPrune = now;
    const n = this.requests.prune(table.gateway.logs.keepMs, table.gateway.logs.keepRows, now);
    this.pruneRequests.run(now - 400 * DAY);
    if (n) this.log.info(`request log retention removed ${n} entr${n === 1 ? 'y' : 'ies'}`);
  }

  // ---- alerts -----------------------------------------------------------------------------------------------------
  /** POST each new alert to the policy's webhook once (per quota period). */
  async checkAlerts(table: DecisionTable, now: number): Promise<Alert[]> {
    const a = table.alert;
    const url = webhookUrl(table, this.env);
    if (!a || !url) return [];
    // alerts already sent are not built again (their messages and dates), nor looked up in the database
    const sent = (key: string) => this.alertsSent.has(key);
    const { low, expiring } = computeAlerts(quotaStatuses(table, this.quotas, now), a.lowQuotaBelow ?? 0, a.expiringWithinMs, now, sent);
    const fresh: Alert[] = [];
    for (const alert of [...low, ...expiring]) {
      this.alertsSent.add(alert.key);
      if (this.alertSeen.get(alert.key)) continue;
      this.alertMark.run(alert.key, now);
      fresh.push(alert);
    }
    for (const alert of fresh) {
      const { key: _key, ...body } = alert;
      void _key;
      try {
        await ofetch(url, { method: 'POST', body: { source: 'gw', at: new Date(now).toISOString(), alert: body }, retry: 1, timeout: 5000 });
      } catch (e) {
        this.log.warn(`alert webhook failed: ${(e as Error).message.slice(0, 160)}`);
      }
    }
    return fresh;
  }

  /** Check alerts every minute (expiring quotas need no request to trigger them). */
  startAlertTimer(getTable: () => DecisionTable, everyMs = 60_000): void {
    this.alertTimer = setInterval(() => void this.checkAlerts(getTable(), Date.now()), everyMs);
    this.alertTimer.unref();
  }

  close(): void {
    if (this.alertTimer) clearInterval(this.alertTimer);
    this.drain();
    this.sessions.flush();
    this.requests.close();
    this.journal?.close();
    this.journal = null;
    this.db.close();
  }
}

/** A finished request's requests row (always written: stats, reports and the budget read it). */
function requestRow(req: CompletedRequest, money: Money): RequestRow {
  const d = req.decision;
  const piiTypes = d?.pii.detected ?? [];
  return {
    id: req.id,
    ts: req.startedAt,
    endpoint: req.endpoint,
    requested_model: req.requestedModel,
    model: req.model,
    scenario: d?.scenario ?? null,
    tier: d?.tier ?? null,
    status: req.status,
    stream: req.stream ? 1 : 0,
    latency_ms: Math.round(req.latencyMs * 100) / 100,
    prompt_tokens: req.usage?.prompt_tokens ?? 0,
    completion_tokens: req.usage?.completion_tokens ?? 0,
    free_tokens: money.freeTokens,
    cost_usd: money.cost,
    saved_usd: money.saved,
    attempts: req.attempts.length,
    error_type: req.error?.type ?? null,
    pii: piiTypes.length > 0 ? piiTypes.join(',') : null,
    client: req.client ?? null,
    reasoning_tokens: req.usage?.reasoning_tokens ?? 0,
    cached_tokens: req.usage?.cached_tokens ?? 0,
    cache_write_tokens: req.usage?.cache_write_tokens ?? 0,
  };
}

/** Its log entry when logs are on (the bodies of a request in which PII was detected are masked). */
function logBodies(table: DecisionTable, req: CompletedRequest, row: RequestRow, env: Env): LogBodies | null {
  if (!table.gateway.logs.enabled) return null;
  const d = req.decision;
  const flagged = row.pii !== null;
  // no secret of the policy is ever stored (an upstream that echoes a key, a client that pastes one)
  const sc = scrubberFor(table, env);
  return {
    request_body: req.requestBody === null ? null : sc.text(!flagged && req.requestText ? req.requestText : JSON.stringify(flagged ? redactDeep(req.requestBody, req.piiKnown) : req.requestBody)),
    response_body: req.responseBody === null ? null : sc.text(flagged ? redactText(req.responseBody) : req.responseBody),
    decision: d ? sc.text(encodeDecision(flagged ? (redactDeep(d) as Decision) : d)) : null,
    attempts: sc.text(JSON.stringify(req.attempts)),
    redacted: flagged ? 1 : 0,
  };
}
