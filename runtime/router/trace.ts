import { thousands } from './format.ts';
import type { Candidate, Decision, TraceLine } from './types.ts';

/**
 * The decision trace as decide() records it: the values each line is made of, not its text. A served request never
 * reads its trace (explain, `/logs/:id` and the PII scrub do), so the text is rendered when something first reads
 * `decision.trace`, and the request log stores the values (log-decision.ts) and renders them on read.
 *
 * An entry is one of:
 *   k ≥ 0                   the line of candidate k: `✓ model [source] reason` at the candidate's line
 *   CHOICE                  `→ model (tier)` at the chosen candidate's line
 *   NEXT                    `on failure: a → b`
 *   [REQUEST, count, tokens, exactChars, totalChars, estimate, images, tools, model(, embeddings)]   (count: inputs for embeddings)
 *   [SCENARIO, at, head, why]             `${head}${why})`
 *   [TIER, at, wantFree, willingness, why, anyFreeEligible, rankedBy]   (the draw is the decision's)
 *   { step, at, message }   a line with its text (the rare ones: PII, budget, refusals, clamp)
 * Every value is JSON (numbers, strings, null), so an entry list is stored as it is.
 */
export type TraceEntry = number | RequestEntry | ScenarioEntry | TierEntry | TraceLine;

export const CHOICE = -1;
export const NEXT = -2;
export const REQUEST = 0;
export const SCENARIO = 1;
export const TIER = 2;

export type RequestEntry = [kind: typeof REQUEST, count: number, tokens: number, exactChars: number, totalChars: number, estimate: number, images: number, tools: 0 | 1, model: string, embeddings?: 1];
export type ScenarioEntry = [kind: typeof SCENARIO, at: string | null, head: string, why: string];
export type TierEntry = [kind: typeof TIER, at: string | null, wantFree: 0 | 1, willingness: string, why: string, anyFreeEligible: 0 | 1, rankedBy: string];

/** What the rendering reads of the decision besides its entries. */
export type TraceContext = Pick<Decision, 'candidates' | 'model' | 'tier' | 'next' | 'draw'>;

/** The candidate line decide() writes for candidate `c`. */
export function candidateLine(c: Pick<Candidate, 'eligible' | 'model' | 'source' | 'reason'>): string {
  return `${c.eligible ? '✓' : '✗'} ${c.model} [${c.source}] ${c.reason}`;
}

function requestText(e: RequestEntry): string {
  const [, count, tokens, exactChars, totalChars, estimate, images, tools, model, embeddings] = e;
  return `${count} ${embeddings ? 'input' : 'message'}${count === 1 ? '' : 's'}, ~${thousands(tokens)} ${embeddings ? 'input' : 'prompt'} tokens (o200k${exactChars < totalChars ? `; exact over the first ${thousands(exactChars)} of ${thousands(totalChars)} chars, estimated after` : ''}), ${thousands(estimate)} reserved with the answer${images ? `, ${images} image(s)` : ''}${tools ? ', tools' : ''}; model "${model || 'auto'}"`;
}

function tierText(e: TierEntry, draw: number): string {
  const [, , wantFree, willingness, why, anyFreeEligible, rankedBy] = e;
  return `draw ${draw.toFixed(3)} ${wantFree ? '<' : '≥'} ${willingness} (${why}) → ${wantFree ? (anyFreeEligible ? 'free' : 'free wanted, but no free model is eligible → paid') : 'paid'}${rankedBy}`;
}

/** One entry as its trace line; an entry of an unknown shape (a log row from a later version) as it is. */
export function renderEntry(e: TraceEntry, d: TraceContext): TraceLine {
  if (typeof e === 'number') {
    if (e >= 0) {
      const c = d.candidates[e]!;
      return { step: 'candidate', at: c.at, message: candidateLine(c) };
    }
    if (e === CHOICE) return { step: 'choice', at: chosenAt(d), message: `→ ${d.model} (${d.tier})` };
    return { step: 'next', at: null, message: `on failure: ${d.next.join(' → ')}` };
  }
  if (!Array.isArray(e)) return e;
  switch (e[0]) {
    case REQUEST:
      return { step: 'request', at: null, message: requestText(e) };
    case SCENARIO:
      return { step: 'scenario', at: e[1], message: `${e[2]}${e[3]})` };
    case TIER:
      return { step: 'tier', at: e[1], message: tierText(e, d.draw) };
  }
  return e as unknown as TraceLine;
}

function chosenAt(d: TraceContext): string | null {
  for (const c of d.candidates) if (c.model === d.model) return c.at;
  return null;
}

export function renderTrace(entries: readonly TraceEntry[], d: TraceContext): TraceLine[] {
  const out: TraceLine[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = renderEntry(entries[i]!, d);
  return out;
}

/** Asked of a lazy trace: its entries while they are not rendered (undefined once they are). */
const ENTRIES = Symbol('trace entries');

/** The state of one lazy trace; the traps are shared (a trap's `this` is its handler). */
interface Lazy extends ProxyHandler<TraceLine[]> {
  entries: readonly TraceEntry[] | null;
  d: TraceContext | null;
}

function render(h: Lazy, lines: TraceLine[]): void {
  if (h.entries === null) return;
  const entries = h.entries;
  h.entries = null;
  for (let i = 0; i < entries.length; i++) lines.push(renderEntry(entries[i]!, h.d!));
  h.d = null;
}

const TRAPS: ProxyHandler<TraceLine[]> = {
  get(this: Lazy, lines, key) {
    if (key === ENTRIES) return this.entries ?? undefined;
    render(this, lines);
    return Reflect.get(lines, key);
  },
  set(this: Lazy, lines, key, value) {
    render(this, lines);
    return Reflect.set(lines, key, value);
  },
  has(this: Lazy, lines, key) {
    render(this, lines);
    return Reflect.has(lines, key);
  },
  ownKeys(this: Lazy, lines) {
    render(this, lines);
    return Reflect.ownKeys(lines);
  },
  getOwnPropertyDescriptor(this: Lazy, lines, key) {
    render(this, lines);
    return Reflect.getOwnPropertyDescriptor(lines, key);
  },
  defineProperty(this: Lazy, lines, key, desc) {
    render(this, lines);
    return Reflect.defineProperty(lines, key, desc);
  },
  deleteProperty(this: Lazy, lines, key) {
    render(this, lines);
    return Reflect.deleteProperty(lines, key);
  },
};

/**
 * The trace of decision `d`: an array whose lines are rendered from `entries` on the first look at it (any read,
 * write or enumeration): until then the decision holds the values, not their text. JSON, spread, `Array.isArray` and
 * iteration see a plain array; `structuredClone` / `postMessage` refuse a Proxy, so a decision sent to another thread
 * goes as JSON (or with `trace: [...d.trace]`).
 */
export function lazyTrace(entries: readonly TraceEntry[], d: TraceContext): TraceLine[] {
  const h = Object.create(TRAPS) as Lazy;
  h.entries = entries;
  h.d = d;
  return new Proxy<TraceLine[]>([], h);
}

/** The decision's trace entries if its trace text was never rendered (the request log stores them as they are). */
export function traceEntries(d: { trace: unknown }): readonly TraceEntry[] | undefined {
  const t = d.trace as { [ENTRIES]?: readonly TraceEntry[] } | null;
  return t !== null && typeof t === 'object' ? t[ENTRIES] : undefined;
}
