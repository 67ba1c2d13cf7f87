import { randomUUID } from 'node:crypto';

/**
 * Loop protection. Every upstream call carries `x-gw-hops`: the instance ids of the gateways it passed, this one last.
 * A request arriving with this instance's id (it came back to us), or with more than MAX_HOPS ids (gateways chained
 * in a loop of several instances), is refused at once with 508 loop_detected — before any routing, so a loop costs
 * one request per hop, not thousands.
 */
export const HOP_HEADER = 'x-gw-hops';
export const MAX_HOPS = 4;

/** A fresh id for one gateway process. */
export function newInstanceId(): string {
  return `gw-${randomUUID().slice(0, 8)}`;
}

/** The ids an incoming request already passed (empty when it came from a client). */
export function hopsOf(headers: Headers): string[] {
  const v = headers.get(HOP_HEADER);
  return v ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

/** Why this request is a loop, or null. */
export function loopReason(hops: readonly string[], instanceId: string): string | null {
  if (hops.includes(instanceId)) return `this request already passed this gateway (${HOP_HEADER}: ${hops.join(', ')}): a provider's base_url points back at gw`;
  if (hops.length >= MAX_HOPS) return `this request passed ${hops.length} gateways (${HOP_HEADER}), more than ${MAX_HOPS - 1}: a loop between gateways`;
  return null;
}

/** The header value for the upstream call. */
export function nextHops(hops: readonly string[], instanceId: string): string {
  return [...hops, instanceId].join(', ');
}
