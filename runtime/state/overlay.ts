import type Database from 'better-sqlite3';
import type { DecisionTable, FreeQuota, Model } from '../types/decision-table.ts';
import { isValidZone } from '../quota/period.ts';
import { validateTable } from '../../compiler/validate.ts';

/** A free quota registered at run time (`POST /quota/register`), as stored. */
export interface QuotaRegistration {
  provider: string;
  model: string;
  totalQuota: number;
  resetPeriod: 'daily' | 'weekly' | 'monthly' | 'once';
  resetAt: string;
  zone: string;
  expires: string | null;
  context: number | null;
  priority: number;
}

const PERIODS: Record<string, QuotaRegistration['resetPeriod']> = {
  daily: 'daily', day: 'daily', weekly: 'weekly', week: 'weekly', monthly: 'monthly', month: 'monthly', once: 'once', never: 'once',
};

/** Validate a registration body; returns the registration or an error sentence naming the field. */
export function parseRegistration(body: unknown, table: DecisionTable): QuotaRegistration | { error: string; param: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && (b[k] as string).trim() !== '' ? (b[k] as string).trim() : null);
  const provider = str('provider');
  if (!provider) return { error: 'provider is required (a provider the policy declares or uses)', param: 'provider' };
  if (!table.providers.some((p) => p.name === provider))
    return { error: `unknown provider "${provider}"; known: ${table.providers.map((p) => p.name).join(', ')}`, param: 'provider' };
  let model = str('model');
  if (!model) return { error: 'model is required', param: 'model' };
  if (model.startsWith(`${provider}/`)) model = model.slice(provider.length + 1);
  const total = b.totalQuota ?? b.tokens;
  if (typeof total !== 'number' || !Number.isInteger(total) || total <= 0) return { error: 'totalQuota must be a positive whole number of tokens', param: 'totalQuota' };
  const periodRaw = str('resetPeriod') ?? 'monthly';
  const period = PERIODS[periodRaw];
  if (!period) return { error: `resetPeriod must be daily, weekly, monthly or once, got "${periodRaw}"`, param: 'resetPeriod' };
  const resetAt = str('resetAt') ?? '00:00';
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(resetAt)) return { error: 'resetAt must be HH:MM', param: 'resetAt' };
  const zone = str('zone') ?? 'UTC';
  if (zone !== 'UTC' && !isValidZone(zone)) return { error: `unknown time zone "${zone}"`, param: 'zone' };
  const expires = str('expires');
  if (expires !== null && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) return { error: 'expires must be a date YYYY-MM-DD', param: 'expires' };
  const context = b.context ?? null;
  if (context !== null && (typeof context !== 'number' || !Number.isInteger(context) || context <= 0)) return { error: 'context must be a positive whole number', param: 'context' };
  const priority = typeof b.priority === 'number' ? b.priority : 0;
  return { provider, model, totalQuota: total, resetPeriod: period, resetAt, zone, expires, context: context as number | null, priority };
}

export class OverlayStore {
  private db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
  }
  all(): QuotaRegistration[] {
    return (this.db.prepare('SELECT body FROM quota_overlay ORDER BY created_at').all() as { body: string }[]).map((r) => JSON.parse(r.body));
  }
  put(r: QuotaRegistration, now: number): void {
    this.db
      .prepare('INSERT INTO quota_overlay (model, body, created_at) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET body = excluded.body')
      .run(`${r.provider}/${r.model}`, JSON.stringify(r), now);
  }
}

function freeRow(r: QuotaRegistration): FreeQuota {
  const unit = r.resetPeriod === 'daily' ? 'day' : r.resetPeriod === 'weekly' ? 'week' : 'month';
  return {
    tokens: r.totalQuota,
    period: r.resetPeriod === 'once' ? { kind: 'once' } : { kind: 'every', unit, at: r.resetAt, zone: r.zone },
    until: r.expires,
    zone: r.zone,
    at: 'quota-register:1:1',
  };
}

export interface OverlayResult {
  table: DecisionTable;
  /** model id → 'applied' | 'superseded' (routes.gw has its own free line, which wins) */
  status: Map<string, 'applied' | 'superseded'>;
}

/**
 * The table the router uses: the compiled policy plus registered quotas. routes.gw stays the source of truth: a model
 * whose own `free` line exists ignores a registration. A registered model the policy does not declare is added (its
 * provider must be in the policy) and joins every `free any` scenario.
 */
export function applyOverlay(base: DecisionTable, regs: readonly QuotaRegistration[]): OverlayResult {
  const status = new Map<string, 'applied' | 'superseded'>();
  if (regs.length === 0) return { table: base, status };
  const models: Model[] = base.models.map((m) => ({ ...m }));
  const added: string[] = [];
  for (const r of regs) {
    const id = `${r.provider}/${r.model}`;
    const existing = models.find((m) => m.id === id);
    if (existing?.free) {
      status.set(id, 'superseded');
      continue;
    }
    status.set(id, 'applied');
    if (existing) {
      existing.free = freeRow(r);
      if (existing.context === null && r.context !== null) existing.context = r.context;
      added.push(id);
    } else {
      models.push({ id, provider: r.provider, name: r.model, context: r.context, maxOutput: null, price: null, capabilities: [], speed: null, free: freeRow(r), limits: { rpm: null, tpm: null }, order: models.length, at: 'quota-register:1:1' });
      added.push(id);
    }
  }
  const scenarios = base.scenarios.map((s) => (s.freeAny ? { ...s, free: [...s.free, ...added.filter((id) => !s.free.includes(id))] } : s));
  const table = { ...base, models, scenarios: scenarios as DecisionTable['scenarios'] };
  const v = validateTable(table);
  if (!v.ok) throw new Error(`registered quotas make an invalid table: ${v.errors.join('; ')}`);
  return { table, status };
}
