import { webhookUrl } from '../../state/alerts.ts';
import type { Ledger } from '../../state/ledger.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import type { Env } from '../../providers/keys.ts';
import { quotaAlertsBody } from '../ledger-routes.ts';
import { consoleError } from './console-errors.ts';

/** A webhook URL with only its scheme and host left: its path and query often are its secret (a chat hook's token). */
export function maskedWebhook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
  } catch {
    return '…';
  }
}

/** GET /console/api/alerts: /quota/alerts's body, and the webhook (masked) with where it comes from. */
export function alertsView(table: DecisionTable, ledger: Ledger, env: Env, q: URLSearchParams, now: number) {
  const url = webhookUrl(table, env);
  const w = table.alert?.webhook ?? null;
  const from = w ? (w.env.find((n) => env[n]) ? `env ${w.env.find((n) => env[n])}` : w.literal ? 'routes.gw' : `env ${w.env.join(' or ')} (not set)`) : null;
  return { ...quotaAlertsBody(table, ledger, q, now), webhook: url ? maskedWebhook(url) : null, webhook_source: from };
}

/** POST /console/api/alerts/test: one test alert to the webhook, its answer's status (5 s at most). */
export async function sendTestAlert(table: DecisionTable, env: Env, now: number, fetchImpl: typeof fetch = fetch) {
  const url = webhookUrl(table, env);
  if (!url) throw consoleError(409, 'no alert webhook is set: alert { webhook env NAME } in routes.gw', 'no_webhook');
  const body = { source: 'gw', at: new Date(now).toISOString(), alert: { reason: 'test', message: 'gw 控制台测试告警 (a test alert sent from the gw console)' } };
  try {
    const r = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000), redirect: 'manual' });
    await r.body?.cancel();
    return { ok: r.ok, status: r.status };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { ok: false, status: null, error: err.name === 'TimeoutError' ? 'no answer within 5 s' : (err.cause?.code ?? err.message).slice(0, 160) };
  }
}
