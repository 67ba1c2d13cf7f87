import type { Attempt } from '../gateway/route-and-call.ts';
import type { Decision } from '../router/types.ts';
import { stickyHeader } from '../router/sticky.ts';

/** The console line for a lowered max_tokens (the trace has its own). */
export function clampLine(id: string, d: Decision, model: string | null): string | null {
  return model && d.clamp ? `${id} max_tokens ${d.clamp.from} → ${d.clamp.to} (max_output of ${model})` : null;
}

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
  if (model && d?.clamp) h['x-gw-max-tokens'] = String(d.clamp.to);
  // session affinity: the session stayed on its model, started here, or moved (its model could not take the turn)
  if (model && d?.sticky) h['x-gw-sticky'] = stickyHeader(d.sticky);
  return h;
}
