import type { Attempt } from '../gateway/route-and-call.ts';
import type { Decision } from '../router/types.ts';

/** x-gw-* headers on every answer: which model answered, in which scenario, after how many attempts, at what cost in gateway time. */
export function gwHeaders(d: Decision | null, model: string | null, attempts: Attempt[], overheadMs: number, generation: number): Record<string, string> {
  const h: Record<string, string> = {
    'x-gw-attempts': String(attempts.length),
    'x-gw-overhead-ms': overheadMs.toFixed(2),
    'x-gw-policy-generation': String(generation),
  };
  if (model) h['x-gw-model'] = model;
  if (d?.scenario) h['x-gw-scenario'] = d.scenario;
  if (d?.tier) h['x-gw-tier'] = d.tier;
  if (d && d.pii.detected.length) h['x-gw-pii'] = `${d.pii.action}:${d.pii.detected.join(',')}`;
  return h;
}
