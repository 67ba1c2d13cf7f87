import { candidateLine, renderEntry, traceEntries, type TraceEntry } from '../router/trace.ts';
import type { Candidate, Decision, StickyDecision } from '../router/types.ts';
import { stickyMessage } from '../router/sticky.ts';
import { SESSION_SOURCES } from '../router/session-key.ts';

/**
 * How the request log stores a routing decision: compactly, and without losing a character of what `GET /logs/:id`
 * returns. Half of a decision's JSON is its trace, and much of the trace repeats the candidates: each candidate line
 * is `✓ model [source] reason` at the candidate's routes.gw line, the choice line names the chosen candidate, the
 * `next` line lists `next`. The stored form is a JSON array: those lines become references to the candidates, the
 * other lines and the candidates become arrays of their values (no key names), and whatever does not have the shape
 * expected here is kept as it is. So `expandDecision(encodeDecision(d))` is exactly `JSON.stringify(d)`, for any `d`.
 *
 *   [1, scenario, tier, model, candidates, next, pii, tokens, estimate, draw, willingness, trace(, error)]
 *   [2, …the same…, trace, clamp]   (a routed decision that carries `clamp`; written before `sticky` existed)
 *   [3, …the same…, trace, clamp, sticky]   (a routed decision: `clamp` and `sticky`, each null when not)
 *
 * `sticky` is `[id, source (its index in SESSION_SOURCES, or the text), derived, scenario, ttlMs, state, pin model,
 * pin since, pin turns, at]` (pin fields null without a pin), and its trace line, which stickyMessage rebuilds from it
 * and the candidates, is STICKY.
 *
 * A candidate is `[model, source, eligible, reason, at(, remaining, expiresAt)]`; a trace line is
 * `[step, at, message]`, or k ≥ 0 for the line of candidate k, CHOICE, or NEXT; an element of another shape is kept
 * as `[element]`. Rows written before this format hold the decision's JSON object (text starting with `{`), which is
 * returned as stored.
 *
 * A decision straight from decide() whose trace was never read is stored with its trace entries instead of their
 * text (router/trace.ts: numbers and short arrays of the values each line is made of), rendered on read:
 *
 *   [4, …the same…, entries(, error)]   [5, …the same…, entries, clamp]   [6, …the same…, entries, clamp, sticky]
 *
 * where an entry is a number (a candidate's line, CHOICE, NEXT), an array starting with its kind number, or a line
 * with its text as `[step, at, message]`.
 */

const FORMAT = 1;
const CHOICE = -1;
const NEXT = -2;
const STICKY = -3;

const DECISION_KEYS = ['scenario', 'tier', 'model', 'candidates', 'next', 'pii', 'tokens', 'estimate', 'draw', 'willingness', 'trace'] as const;
const DECISION_KEYS_WITH_ERROR = [...DECISION_KEYS, 'error'] as const;
/** a routed decision also says whether max_tokens was lowered (`clamp`, null when not): stored as format 2 */
const DECISION_KEYS_WITH_CLAMP = [...DECISION_KEYS, 'clamp'] as const;
const WITH_CLAMP = 2;
/** a routed decision now also carries `sticky` (session affinity, null when not): format 3 (6 with entries) */
const DECISION_KEYS_WITH_STICKY = [...DECISION_KEYS, 'clamp', 'sticky'] as const;
const WITH_STICKY = 3;
const ENTRIES = 4;
const ENTRIES_WITH_CLAMP = 5;
const ENTRIES_WITH_STICKY = 6;
const CANDIDATE_KEYS = ['model', 'source', 'eligible', 'reason', 'at'] as const;
const CANDIDATE_KEYS_WITH_QUOTA = [...CANDIDATE_KEYS, 'remaining', 'expiresAt'] as const;
const LINE_KEYS = ['step', 'at', 'message'] as const;

type Obj = Record<string, unknown>;

/** `o`'s own keys are exactly `keys`, in that order, each with a value JSON keeps in an object as in an array. */
function hasKeys(o: Obj, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    const v = o[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return false;
    i++;
  }
  return i === keys.length;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a reference reproduces the line: the fields it is rebuilt from are plain strings (or `at` null). */
function plainCandidate(c: unknown): c is Obj {
  return isObj(c) && typeof c.model === 'string' && typeof c.source === 'string' && typeof c.reason === 'string' && typeof c.eligible === 'boolean' && (c.at === null || typeof c.at === 'string');
}

function chosenAt(candidates: unknown[], model: unknown): unknown {
  for (const c of candidates) if (isObj(c) && c.model === model) return c.at;
  return undefined;
}

/** The decision as the request log stores it (see above); any value JSON can hold round-trips. */
export function encodeDecision(d: Decision): string {
  const o = d as unknown as Obj;
  if (!isObj(o)) return JSON.stringify(d);
  const withError = 'error' in o;
  const withSticky = !withError && 'sticky' in o;
  const withClamp = !withError && !withSticky && 'clamp' in o;
  const entries = traceEntries(d);
  const keys = withError ? DECISION_KEYS_WITH_ERROR : withSticky ? DECISION_KEYS_WITH_STICKY : withClamp ? DECISION_KEYS_WITH_CLAMP : DECISION_KEYS;
  if (!hasKeys(o, keys) || !Array.isArray(d.candidates) || !Array.isArray(d.trace)) return JSON.stringify(d);
  const cands = d.candidates as unknown[];
  const candidates = cands.map((c) => {
    if (isObj(c)) {
      if (hasKeys(c, CANDIDATE_KEYS)) return [c.model, c.source, c.eligible, c.reason, c.at];
      if (hasKeys(c, CANDIDATE_KEYS_WITH_QUOTA)) return [c.model, c.source, c.eligible, c.reason, c.at, c.remaining, c.expiresAt];
    }
    return [c];
  });
  const sticky = withSticky ? compactSticky(d.sticky) : null;
  let stickyLine: string | null = null;
  try {
    if (Array.isArray(sticky) && sticky.length > 1) stickyLine = stickyMessage(d.sticky!, cands as Candidate[]);
  } catch {
    /* a verdict of another shape: its line is stored as written */
  }
  const isStickyLine = (t: Obj) => t.step === 'sticky' && stickyLine !== null && t.message === stickyLine && t.at === d.sticky!.at;
  const tail = (out: unknown[]) => {
    if (withError) out.push(d.error);
    if (withClamp || withSticky) out.push(d.clamp);
    if (withSticky) out.push(sticky);
    return JSON.stringify(out);
  };
  if (entries) {
    const stored = entries.map((e) => (typeof e === 'number' || Array.isArray(e) ? e : isStickyLine(e as unknown as Obj) ? STICKY : [e.step, e.at, e.message]));
    return tail([withSticky ? ENTRIES_WITH_STICKY : withClamp ? ENTRIES_WITH_CLAMP : ENTRIES, d.scenario, d.tier, d.model, candidates, d.next, d.pii, d.tokens, d.estimate, d.draw, d.willingness, stored]);
  }
  const nextLine = Array.isArray(d.next) && d.next.every((n) => typeof n === 'string') ? `on failure: ${d.next.join(' → ')}` : null;
  const choiceLine = typeof d.model === 'string' && typeof d.tier === 'string' ? `→ ${d.model} (${d.tier})` : null;
  let k = 0;
  const trace = (d.trace as unknown[]).map((t) => {
    if (!isObj(t) || !hasKeys(t, LINE_KEYS)) return [t];
    if (isStickyLine(t)) return STICKY;
    if (t.step === 'candidate') {
      const c = cands[k];
      const ref = k++;
      if (plainCandidate(c) && t.at === c.at && t.message === candidateLine(c as unknown as Candidate)) return ref;
    } else if (t.step === 'choice') {
      if (choiceLine !== null && t.message === choiceLine && t.at === chosenAt(cands, d.model) && t.at !== undefined) return CHOICE;
    } else if (t.step === 'next') {
      if (nextLine !== null && t.message === nextLine && t.at === null) return NEXT;
    }
    return [t.step, t.at, t.message];
  });
  return tail([withSticky ? WITH_STICKY : withClamp ? WITH_CLAMP : FORMAT, d.scenario, d.tier, d.model, candidates, d.next, d.pii, d.tokens, d.estimate, d.draw, d.willingness, trace]);
}

/** The stored decision as `JSON.stringify` of the decision that was recorded (text in the older form: as stored). */
export function expandDecision(stored: string): string {
  if (!stored.startsWith('[')) return stored;
  const a = JSON.parse(stored) as unknown[];
  const format = a[0];
  if (typeof format !== 'number' || !Number.isInteger(format) || format < FORMAT || format > ENTRIES_WITH_STICKY) return stored;
  const withEntries = format >= ENTRIES;
  const withSticky = format === WITH_STICKY || format === ENTRIES_WITH_STICKY;
  const withClamp = withSticky || format === WITH_CLAMP || format === ENTRIES_WITH_CLAMP;
  const [, scenario, tier, model, cands, next, pii, tokens, estimate, draw, willingness, lines] = a as [number, unknown, unknown, unknown, unknown[][], unknown, unknown, unknown, unknown, unknown, unknown, unknown[]];
  const candidates = cands.map((c) => {
    if (c.length === 1) return c[0];
    const o: Obj = { model: c[0], source: c[1], eligible: c[2], reason: c[3], at: c[4] };
    if (c.length > 5) {
      o.remaining = c[5];
      o.expiresAt = c[6];
    }
    return o;
  });
  const ctx = { candidates: candidates as Decision['candidates'], model, tier, next, draw } as Decision;
  const sticky = withSticky ? expandSticky(a[13]) : undefined;
  const trace = lines.map((t) => {
    if (t === STICKY && withSticky) return { step: 'sticky', at: (sticky as StickyDecision).at, message: stickyMessage(sticky as StickyDecision, candidates as Candidate[]) };
    // an entry of the trace as decide() recorded it: rendered as decide() renders it
    if (withEntries && (typeof t === 'number' || (Array.isArray(t) && typeof t[0] === 'number'))) return renderEntry(t as TraceEntry, ctx);
    if (typeof t === 'number') {
      if (t >= 0) {
        const c = candidates[t] as Obj;
        return { step: 'candidate', at: c.at, message: candidateLine(c as unknown as Candidate) };
      }
      if (t === CHOICE) return { step: 'choice', at: chosenAt(candidates, model), message: `→ ${model} (${tier})` };
      return { step: 'next', at: null, message: `on failure: ${(next as string[]).join(' → ')}` };
    }
    const l = t as unknown[];
    return l.length === 1 ? l[0] : { step: l[0], at: l[1], message: l[2] };
  });
  const d: Obj = { scenario, tier, model, candidates, next, pii, tokens, estimate, draw, willingness, trace };
  if (a.length > 12) d[withClamp ? 'clamp' : 'error'] = a[12];
  if (withSticky) d.sticky = sticky;
  return JSON.stringify(d);
}

const STICKY_KEYS = ['session', 'scenario', 'ttlMs', 'state', 'pin', 'at'] as const;
const SESSION_KEYS = ['id', 'source', 'derived'] as const;
const PIN_KEYS = ['model', 'since', 'turns'] as const;

/** `sticky` as an array of its values (null stays null; a value of another shape is kept as `[value]`). */
function compactSticky(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  const s = v as Obj;
  const session = s.session as Obj;
  const pin = s.pin as Obj | null;
  if (!isObj(s) || !hasKeys(s, STICKY_KEYS) || !isObj(session) || !hasKeys(session, SESSION_KEYS) || (pin !== null && (!isObj(pin) || !hasKeys(pin, PIN_KEYS) || typeof pin.model !== 'string'))) return [v];
  const source = (SESSION_SOURCES as readonly unknown[]).indexOf(session.source);
  return [session.id, source >= 0 ? source : session.source, session.derived, s.scenario, s.ttlMs, s.state, pin?.model ?? null, pin?.since ?? null, pin?.turns ?? null, s.at];
}

function expandSticky(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (v.length === 1) return v[0];
  const [id, src, derived, scenario, ttlMs, state, model, since, turns, at] = v;
  const source = typeof src === 'number' ? SESSION_SOURCES[src] : src;
  return { session: { id, source, derived }, scenario, ttlMs, state, pin: model === null ? null : { model, since, turns }, at };
}
