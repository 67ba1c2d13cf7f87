import { parseArgs } from 'node:util';
import { ClientKeyError, ClientKeyStore, parseBudget, type ClientLimits } from '../runtime/state/client-keys.ts';
import { RequestLog } from '../runtime/state/request-log.ts';
import { periodStart } from '../runtime/state/client-meter.ts';
import { UsageError, type Io } from './io.ts';
import { openState } from './state-db.ts';
import { tableLines } from './table-text.ts';

export const keysHelp = `gw keys create NAME [--rpm N] [--tpm N] [--budget AMOUNT/day|month] [--then free_only|block]
                [--models LIST] [--scenarios LIST] [--expires DATE] [--json] [--config FILE]
gw keys list [--json] [--config FILE]
gw keys revoke NAME [--config FILE]
gw keys rotate NAME [--json] [--config FILE]
  Client keys for the gateway: each has a name, optional limits (requests and tokens per minute), a budget in USD
  per UTC day or month (then free_only: free and local models only; then block: 429 budget_exceeded), allowed
  models (ids, bare names or providers) and scenarios, and an expiry. The key is printed once; the state database
  keeps only its hash. A running gateway sees every change at once.`;

function positiveInt(v: string | undefined, flag: string): number | null {
  if (v === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)([kKM]?)$/.exec(v);
  const n = m ? Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2] === 'M' ? 1e6 : 1e3)) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a whole number of at least 1 (100k and 1M are fine), got "${v}"`);
  return n;
}

function list(v: string | undefined): string[] | null {
  if (v === undefined) return null;
  const items = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError('an allow list needs at least one name');
  return items;
}

/** `2027-01-31` (the key works through that UTC day) or an ISO date-time. */
export function parseExpiry(v: string | undefined, now: number): number | null {
  if (v === undefined) return null;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) + 86_400_000 : Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`--expires takes a date (2027-01-31) or an ISO time, got "${v}"`);
  if (t <= now) throw new UsageError(`--expires ${v} is in the past`);
  return t;
}

export function keys(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      budget: { type: 'string' },
      then: { type: 'string' },
      models: { type: 'string' },
      scenarios: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const [sub, name] = positionals;
  if (!sub || !['create', 'list', 'revoke', 'rotate'].includes(sub)) throw new UsageError('gw keys takes create, list, revoke or rotate');
  if (sub !== 'list' && !name) throw new UsageError(`gw keys ${sub} needs a NAME`);
  const now = Date.now();
  let limits: ClientLimits | null = null;
  if (sub === 'create') {
    const budget = values.budget === undefined ? null : parseBudget(values.budget);
    if (values.budget !== undefined && !budget) throw new UsageError(`--budget takes AMOUNT/day or AMOUNT/month (e.g. 2/day), got "${values.budget}"`);
    if (values.then !== undefined && values.then !== 'free_only' && values.then !== 'block') throw new UsageError(`--then takes free_only or block, got "${values.then}"`);
    if (values.then !== undefined && !budget) throw new UsageError('--then goes with --budget');
    limits = {
      rpm: positiveInt(values.rpm, '--rpm'),
      tpm: positiveInt(values.tpm, '--tpm'),
      budget: budget ? { ...budget, then: (values.then as 'free_only' | 'block' | undefined) ?? 'free_only' } : null,
      models: list(values.models),
      scenarios: list(values.scenarios),
      expiresAt: parseExpiry(values.expires, now),
    };
  }
  const state = openState(values.config, io);
  if (!state) return 1;
  const store = new ClientKeyStore(state.db);
  try {
    if (sub === 'create' || sub === 'rotate') {
      if (sub === 'create' && limits?.scenarios) {
        const known = state.table.scenarios.map((s) => s.name);
        const unknown = limits.scenarios.filter((s) => !known.includes(s));
        if (unknown.length) throw new ClientKeyError(`unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the policy has ${known.join(', ')}`);
      }
      const key = sub === 'create' ? store.create(name!, limits!, now) : store.rotate(name!, now);
      if (values.json) io.out(`${JSON.stringify({ name, key })}\n`);
      else io.out(`${sub === 'create' ? 'created' : 'rotated'} client key "${name}" (shown once; gw keeps only its hash):\n${key}\n`);
      return 0;
    }
    if (sub === 'revoke') {
      store.revoke(name!, now);
      io.out(`revoked client key "${name}": requests with it now get 401\n`);
      return 0;
    }
    const log = new RequestLog(state.db);
    const day = periodStart('day', now);
    const rows = store.all().map((k) => {
      const t = log.clientTotals(k.name, day);
      const spent = k.budget ? log.spentSince(periodStart(k.budget.per, now), k.name) : null;
      return { ...k, today: { requests: t.requests, tokens: t.prompt + t.completion, cost_usd: Math.round(t.cost * 1e6) / 1e6 }, spent, lastUsed: t.last };
    });
    if (values.json) {
      io.out(`${JSON.stringify(rows.map(({ hash: _h, ...r }) => r), null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.out('no client keys yet: gw keys create NAME\n');
      return 0;
    }
    const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
    const table = rows.map((r) => [
      r.name,
      r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && r.expiresAt <= now ? 'expired' : 'active',
      [r.rpm !== null ? `${r.rpm} rpm` : '', r.tpm !== null ? `${r.tpm} tpm` : ''].filter(Boolean).join(' ') || '-',
      r.budget ? `$${r.spent!.toFixed(2)} of $${r.budget.usd}/${r.budget.per} then ${r.budget.then}` : '-',
      [r.models ? `models ${r.models.join(',')}` : '', r.scenarios ? `scenarios ${r.scenarios.join(',')}` : ''].filter(Boolean).join('; ') || 'any',
      `${r.today.requests} req, ${r.today.tokens} tok, $${r.today.cost_usd}`,
      iso(r.lastUsed),
      iso(r.expiresAt),
    ]);
    io.out(`${tableLines([['NAME', 'STATUS', 'LIMITS', 'BUDGET', 'ALLOW', 'TODAY', 'LAST USED', 'EXPIRES'], ...table]).join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ClientKeyError) {
      io.err(`gw keys ${sub}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    state.db.close();
  }
}
