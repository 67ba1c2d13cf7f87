import type { DecisionTable } from '../types/decision-table.ts';
import type { Candidate, RouteRequest, StateSnapshot, StickyDecision } from './types.ts';

/**
 * Session affinity (`sticky`): a session the scenario already answered stays on that model while it is eligible,
 * whatever the draw; one whose model cannot take this turn (ineligible, failed earlier in this request) moves on, and
 * the model that answers keeps it from then. A derived key (a hash of the conversation's start) names a conversation
 * only once it has history: a first turn is routed afresh (two conversations may start alike). Null when affinity
 * does not apply (the scenario says `sticky off`, or the request has no session).
 */
export function stickyVerdict(scenario: DecisionTable['scenarios'][number], req: RouteRequest, state: StateSnapshot, now: number, candidates: readonly Candidate[]): StickyDecision | null {
  const ttlMs = scenario.sticky ?? null;
  const session = req.session ?? null;
  if (ttlMs === null || session === null) return null;
  const stored = state.sessions?.[scenario.name];
  const pin = stored ? { model: stored.model, since: stored.since, turns: stored.turns } : null;
  const out: StickyDecision = { session, scenario: scenario.name, ttlMs, state: 'new', pin, at: scenario.lines.sticky ?? null };
  if (!stored) return out;
  if (stored.until <= now) out.state = 'idle';
  else if (session.derived && !req.messages.some((m) => m.role === 'assistant')) out.state = 'fresh';
  else out.state = candidates.find((c) => c.model === stored.model)?.eligible ? 'kept' : 'moved';
  return out;
}

/** The trace line of a sticky verdict: a function of the verdict and the candidates, so the request log can rebuild it. */
export function stickyMessage(s: StickyDecision, candidates: readonly Candidate[]): string {
  const who = `session ${s.session.id} (${s.session.source})`;
  const keeps = `the model that answers keeps it for ${duration(s.ttlMs)}`;
  const p = s.pin;
  switch (s.state) {
    case 'kept':
      return `${who} stays on ${p!.model} (turn ${p!.turns + 1}, there since ${new Date(p!.since).toISOString()})`;
    case 'moved': {
      const c = candidates.find((x) => x.model === p!.model);
      return `${who} was on ${p!.model}: ${c ? c.reason : `not a candidate of scenario ${s.scenario}`} → moves on; ${keeps}`;
    }
    case 'idle':
      return `${who}: idle past its ${duration(s.ttlMs)} on ${p!.model} → routed afresh; ${keeps}`;
    case 'fresh':
      return `${who}: a first turn (no history) → routed afresh; ${keeps}`;
    default:
      return `${who}: first turn in scenario ${s.scenario} → ${keeps}`;
  }
}

/**
 * The session's earlier turns were answered by another model than `model` (it moved, or its time ran out on another):
 * its history may hold thinking that only that model accepts.
 */
export function historyFromOtherModel(s: StickyDecision | null | undefined, model: string): boolean {
  return !!s?.pin && s.state !== 'fresh' && s.pin.model !== model;
}

/** What `x-gw-sticky` says of a verdict: kept, moved from M, or new (the answering model keeps the session from now). */
export function stickyHeader(s: StickyDecision): string {
  return s.state === 'kept' ? 'kept' : s.state === 'moved' ? `moved from ${s.pin!.model}` : 'new';
}

/** 1800000 → "30m", 5400000 → "1h30m", 1500 → "1.5s". */
export function duration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec ? `${sec}s` : ''}` || '0s';
}
