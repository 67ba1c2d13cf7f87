import { candidateLine, renderEntry, traceEntries, type TraceEntry } from '../router/trace.ts';
import type { Candidate, Decision } from '../router/types.ts';

/**
 * How the request log stores a routing decision: compactly, and without losing a character of what `GET /logs/:id`
 * returns. Half of a decision's JSON is its trace, and much of the trace repeats the candidates: each candidate line
 * is `✓ model [source] reason` at the candidate's routes.gw line, the choice line names the chosen candidate, the
 * `next` line lists `next`. The stored form is a JSON array: those lines become references to the candidates, the
 * other lines and the candidates become arrays of their values (no key names), and whatever does not have the shape
 * expected here is kept as it is. So `expandDecision(encodeDecision(d))` is exactly `JSON.stringify(d)`, for any `d`.
 *
 *   [1, scenario, tier, model, candidates, next, pii, tokens, estimate, draw, willingness, trace(, error)]
 *   [2, …the same…, trace, clamp]   (a routed decision that carries `clamp`)
 *
 * A candidate is `[model, source, eligible, reason, at(, remaining, expiresAt)]`; a trace line is
 * `[step, at, message]`, or k ≥ 0 for the line of candidate k, CHOICE, or NEXT; an element of another shape is kept
 * as `[element]`. Rows written before this format hold the decision's JSON object (text starting with `{`), which is
 * returned as stored.
 *
 * A decision straight from decide() whose trace was never read is stored with its trace entries instead of their
 * text (router/trace.ts: numbers and short arrays of the values each line is made of), rendered on read:
 *
 *   [3, …the same…, entries(, error)]   [4, …the same…, entries, clamp]
 *
 * where an entry is a number (a candidate's line, CHOICE, NEXT), an array starting with its kind number, or a line
 * with its text as `[step, at, message]`.
 */

const FORMAT = 1;
const CHOICE = -1;
const NEXT = -2;

const DECISION_KEYS = ['scenario', 'tier', 'model', 'candidates', 'next', 'pii', 'tokens', 'estimate', 'draw', 'willingness', 'trace'] as const;
const DECISION_KEYS_WITH_ERROR = [...DECISION_KEYS, 'error'] as const;
/** a routed decision also says whether max_tokens was lowered (`clamp`, null when not): stored as format 2 */
const DECISION_KEYS_WITH_CLAMP = [...DECISION_KEYS, 'clamp'] as const;
const WITH_CLAMP = 2;
const ENTRIES = 3;
const ENTRIES_WITH_CLAMP = 4;
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
  const withClamp = !withError && 'clamp' in o;
  const entries = traceEntries(d);
  if (!hasKeys(o, withError ? DECISION_KEYS_WITH_ERROR : withClamp ? DECISION_KEYS_WITH_CLAMP : DECISION_KEYS) || !Array.isArray(d.candidates) || !Array.isArray(d.trace))
    return JSON.stringify(d);
  const cands = d.candidates as unknown[];
  const candidates = cands.map((c) => {
    if (isObj(c)) {
      if (hasKeys(c, CANDIDATE_KEYS)) return [c.model, c.source, c.eligible, c.reason, c.at];
      if (hasKeys(c, CANDIDATE_KEYS_WITH_QUOTA)) return [c.model, c.source, c.eligible, c.reason, c.at, c.remaining, c.expiresAt];
    }
    return [c];
  });
  if (entries) {
    const stored = entries.map((e) => (typeof e === 'number' || Array.isArray(e) ? e : [e.step, e.at, e.message]));
    const out: unknown[] = [withClamp ? ENTRIES_WITH_CLAMP : ENTRIES, d.scenario, d.tier, d.model, candidates, d.next, d.pii, d.tokens, d.estimate, d.draw, d.willingness, stored];
    if (withError) out.push(d.error);
    if (withClamp) out.push(d.clamp);
    return JSON.stringify(out);
  }
  const nextLine = Array.isArray(d.next) && d.next.every((n) => typeof n === 'string') ? `on failure: ${d.next.join(' → ')}` : null;
  const choiceLine = typeof d.model === 'string' && typeof d.tier === 'string' ? `→ ${d.model} (${d.tier})` : null;
  let k = 0;
  const trace = (d.trace as unknown[]).map((t) => {
    if (!isObj(t) || !hasKeys(t, LINE_KEYS)) return [t];
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
  const out: unknown[] = [withClamp ? WITH_CLAMP : FORMAT, d.scenario, d.tier, d.model, candidates, d.next, d.pii, d.tokens, d.estimate, d.draw, d.willingness, trace];
  if (withError) out.push(d.error);
  if (withClamp) out.push(d.clamp);
  return JSON.stringify(out);
}

/** The stored decision as `JSON.stringify` of the decision that was recorded (text in the older form: as stored). */
export function expandDecision(stored: string): string {
  if (!stored.startsWith('[')) return stored;
  const a = JSON.parse(stored) as unknown[];
  const format = a[0];
  if (format !== FORMAT && format !== WITH_CLAMP && format !== ENTRIES && format !== ENTRIES_WITH_CLAMP) return stored;
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
  const trace = lines.map((t) => {
    // an entry of the trace as decide() recorded it: rendered as decide() renders it
    if ((format === ENTRIES || format === ENTRIES_WITH_CLAMP) && (typeof t === 'number' || (Array.isArray(t) && typeof t[0] === 'number'))) return renderEntry(t as TraceEntry, ctx);
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
  if (a.length > 12) d[format === WITH_CLAMP || format === ENTRIES_WITH_CLAMP ? 'clamp' : 'error'] = a[12];
  return JSON.stringify(d);
}
