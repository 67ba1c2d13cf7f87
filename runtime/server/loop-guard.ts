import { hopsOf, loopReason } from '../gateway/hops.ts';
import type { CallDeps } from '../gateway/route-and-call.ts';
import { GwError } from './errors.ts';

/**
 * The request's hops; throws 508 loop_detected when it already passed this gateway or too many. The answer says
 * `x-should-retry: false`, which the OpenAI and Anthropic SDKs obey (they retry any 5xx otherwise): a loop is refused
 * once, not once per retry.
 */
export function checkLoop(headers: Headers, deps: CallDeps): string[] {
  const hops = hopsOf(headers);
  const reason = deps.instanceId ? loopReason(hops, deps.instanceId) : null;
  if (reason) throw new GwError(508, 'loop_detected', `loop_detected: ${reason}`, 'loop_detected', {}, { 'x-should-retry': 'false' });
  return hops;
}
