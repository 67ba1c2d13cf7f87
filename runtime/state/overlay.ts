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

/** The most registrations kept (a registration of a model already registered replaces it and does not count). */
export const MAX_REGISTRATIONS = 256;
/** Bounds of the numbers a registration takes: a quota of a trillion tokens, a context of 100M. */
export const MAX_QUOTA_TOKENS = 1_000_000_000_000;
export const MAX_CONTEXT = 100_000_000;
export const MAX_PRIORITY = 1000;
/** A model name as providers spell them (`Qwen/Qwen2.5-72B-Instruct`, `llama-3.3-70b-versatile`, `glm-4:free`). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;

const wholeIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * Validate a registration body (or a stored registration, re-checked against the policy now loaded); returns the
 * registration or an error sentence naming the field.
 */
export function parseRegistration(body: unknown, table: DecisionTable): QuotaRegistration | { error: string; param: string } {
  const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && (b[k] as string).trim() !== '' ? (b[k] as string).trim() : null);
  const provider = str('provider');
  if (!provider) return { error: 'provider is required (a provider the policy declares or uses)', param: 'provider' };
  if (!table.providers.some((p) => p.name === provider))
    return { error: `unknown provider "${shown(provider)}"; known: ${table.providers.map((p) => p.name).join(', ')}`, param: 'provider' };
  let model = str('model');
  if (!model) return { error: 'model is required', param: 'model' };
  if (model.startsWith(`${provider}/`)) model = model.slice(provider.length + 1);
  const declared = table.models.some((m) => m.provider === provider && m.name === model);
  if (!declared && !MODEL_NAME.test(model))
    return { error: `model "${shown(model)}" is not a model name: up to 128 letters, digits and . _ : / @ + - (starting with a letter or digit)`, param: 'model' };
  const total = b.totalQuota ?? b.tokens;
  if (!wholeIn(total, 1, MAX_QUOTA_TOKENS)) return { error: `totalQuota must be a whole number of tokens from 1 to ${MAX_QUOTA_TOKENS}`, param: 'totalQuota' };
  const periodRaw = str('resetPeriod') ?? 'monthly';
  const period = Object.hasOwn(PERIODS, periodRaw) ? PERIODS[periodRaw] : undefined;
  if (!period) return { error: `resetPeriod must be daily, weekly, monthly or once, got "${shown(periodRaw)}"`, param: 'resetPeriod' };
  const resetAt = str('resetAt') ?? '00:00';
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(resetAt)) return { error: 'resetAt must be HH:MM', param: 'resetAt' };
  const zone = str('zone') ?? 'UTC';
  if (zone !== 'UTC' && (zone.length > 64 || !isValidZone(zone))) return { error: `unknown time zone "${shown(zone)}"`, param: 'zone' };
  const expires = str('expires');
  if (expires !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`)))) return { error: 'expires must be a date YYYY-MM-DD', param: 'expires' };
  const context = b.context ?? null;
  if (context !== null && !wholeIn(context, 1, MAX_CONTEXT)) return { error: `context must be a whole number of tokens from 1 to ${MAX_CONTEXT}`, param: 'context' };
  const priority = b.priority ?? 0;
  if (!wholeIn(priority, -MAX_PRIORITY, MAX_PRIORITY)) return { error: `priority must be a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY}`, param: 'priority' };
  return { provider, model, totalQuota: total, resetPeriod: period, resetAt, zone, expires, context: context as number | null, priority };
}

/** A name quoted in an error: printable and short (a registration may carry NUL, newlines or 60 KB). */
function shown(s: string): string {
  const t = JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s).slice(1, -1);
  return t;
}

/** A stored row as read back: the registration, or why it cannot be one. */
export type StoredRegistration = { key: string; value: unknown } | { key: string; error: string };

export class OverlayStore {
  private db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
  }
  /** Every stored row, each read on its own: a row that is not JSON is reported, never thrown. */
  rows(): StoredRegistration[] {
    return (this.db.prepare('SELECT model, body FROM quota_overlay ORDER BY created_at').all() as { model: string; body: string }[]).map((r) => {
      try {
        return { key: r.model, value: JSON.parse(r.body) as unknown };
      } catch (e) {
        return { key: r.model, error: `stored row is not JSON (${(e as Error).message})` };
      }
    });
  }
  /** The stored registrations that parse as objects (validated against the policy by applyOverlay). */
  all(): QuotaRegistration[] {
    return this.rows().flatMap((r) => ('value' in r && r.value !== null && typeof r.value === 'object' ? [r.value as QuotaRegistration] : []));
  }
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM quota_overlay').get() as { n: number }).n;
  }
  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM quota_overlay WHERE model = ?').get(id) !== undefined;
  }
  put(r: QuotaRegistration, now: number): void {
    this.db
      .prepare('INSERT INTO quota_overlay (model, body, created_at) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET body = excluded.body')
      .run(`${r.provider}/${r.model}`, JSON.stringify(r), now);
  }
  /** Remove one registration; false when there was none. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM quota_overlay WHERE model = ?').run(id).changes > 0;
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
  /** stored registrations left out, and why (each alone: one bad row never disables the others) */
  rejected: { id: string; reason: string }[];
}

/**
 * The table the router uses: the compiled policy plus registered quotas. routes.gw stays the source of truth: a model
 * whose own `free` line exists ignores a registration. A registered model the policy does not declare is added (its
 * provider must be in the policy) and joins every `free any` scenario. Each registration is checked again against
 * this policy; one that fails (a provider since removed, a row written by hand) is left out alone.
 */
export function applyOverlay(base: DecisionTable, regs: readonly unknown[]): OverlayResult {
  const rejected: OverlayResult['rejected'] = [];
  const valid: QuotaRegistration[] = [];
  for (const raw of regs) {
    const r = parseRegistration(raw, base);
    const rawId = raw !== null && typeof raw === 'object' ? `${String((raw as QuotaRegistration).provider).slice(0, 80)}/${String((raw as QuotaRegistration).model).slice(0, 80)}` : String(raw).slice(0, 80);
    if ('error' in r) rejected.push({ id: rawId, reason: r.error });
    else valid.push(r);
  }
  const all = build(base, valid);
  if (validateTable(all.table).ok) return { ...all, rejected };
  // should not happen once each row is valid; if it does, keep every registration the table takes
  let kept: QuotaRegistration[] = [];
  for (const r of valid) {
    const next = build(base, [...kept, r]);
    const v = validateTable(next.table);
    if (v.ok) kept = [...kept, r];
    else rejected.push({ id: `${r.provider}/${r.model}`, reason: `makes an invalid table: ${v.errors.join('; ').slice(0, 300)}` });
  }
  return { ...build(base, kept), rejected };
}

function build(base: DecisionTable, regs: readonly QuotaRegistration[]): { table: DecisionTable; status: Map<string, 'applied' | 'superseded'> } {
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
  return { table: { ...base, models, scenarios: scenarios as DecisionTable['scenarios'] }, status };
}
