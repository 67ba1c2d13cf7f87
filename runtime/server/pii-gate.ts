import type { ProviderAdapter } from '../providers/adapter.ts';
import type { Env } from '../providers/keys.ts';
import { classifyPii, type ClassifierVerdict } from '../pii/classify.ts';
import { PlaceholderMap } from '../pii/placeholders.ts';
import { detectTypes, scanPartsBounded, type PartFinding } from '../pii/scan.ts';
import { maskTextBounded, scanTextsBounded, type ScanBudget } from '../pii/bounded-scan.ts';
import { PII_TYPES, type PiiFinding } from '../pii/types.ts';
import type { PiiType } from '../pii/types.ts';
import { modelIndex, resolveModel } from '../router/resolve-model.ts';
import type { Decision, RouteRequest } from '../router/types.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { redactText, type KnownPii } from '../state/redact-log.ts';
import { GwError } from './errors.ts';
import type { Logger } from '../log/logger.ts';

/**
 * The PII step before routing, shared by /v1/chat/completions, /v1/messages and `gw explain`:
 *
 * 1. the policy's `detect` rules scan every text part of the request (offsets per part);
 * 2. only when the rules found nothing and the policy has `classify with M timeout T`, the local model M is asked
 *    (a timeout or failure is an `error` verdict, which the router treats by `on_error`);
 * 3. the router (`decide`) turns that into the action: `route` (local models only, explicit cloud models included),
 *    `redact`, `block`, or a refusal when the classifier failed under `on_error block`.
 *
 * A classifier-only hit has no spans to mask: under `redact` the router refuses it (`pii_blocked`, "cannot be
 * redacted") rather than send personal data it cannot locate.
 */
export interface PiiChecks {
  findings: PartFinding[];
  /** the rules' scan stopped at its deadline (how far it got): the request counts as holding personal data */
  unscanned: { scanned: number; total: number } | null;
  /** each scanned text → its findings, so masking does not scan the same text again */
  known: Map<string, PiiFinding[]>;
  /** null: the classifier did not run (no `classify`, the rules already found something, empty text, or not asked) */
  classifier: ClassifierVerdict | null;
}

export interface ClassifyDeps {
  adapters: Record<'openai' | 'anthropic', ProviderAdapter>;
  env: Env;
}

/** The rules, then the classifier when it applies; `deps` null: the classifier is not asked (gw explain without --classify). */
export async function runPiiChecks(table: DecisionTable, texts: readonly string[], deps: ClassifyDeps | null, budget?: ScanBudget): Promise<PiiChecks> {
  if (!table.pii) return { findings: [], unscanned: null, known: new Map(), classifier: null };
  const scan = await scanPartsBounded(table, texts, budget);
  const known = new Map<string, PiiFinding[]>();
  if (!scan.unscanned) texts.forEach((t, i) => known.set(t, scan.perText[i]));
  const { findings, unscanned } = scan;
  if (findings.length || unscanned || !table.pii.classify || !deps || !texts.some((t) => t.trim() !== '')) return { findings, unscanned, known, classifier: null };
  let classifier: ClassifierVerdict | null;
  try {
    classifier = await classifyPii(table, texts.join('\n'), deps);
  } catch (e) {
    classifier = { verdict: 'error', ms: 0, detail: (e as Error).message };
  }
  return { findings, unscanned, known, classifier };
}

/** What the request log may keep of a request's bodies. */
export type LogPrivacy = 'clear' | 'redact' | 'withhold';

export interface PiiGate extends PiiChecks {
  /** the detected values, in memory only: to keep them out of what the log stores (see scrubTrace) */
  values: string[];
  /** what the router sees (null without a `pii` block) */
  route: RouteRequest['pii'];
  /** the policy's detect types */
  types: PiiType[];
  /** the texts scanned for every PII type when the rules found values (what the request log masks), else null */
  logKnown: KnownPii | null;
  /** placeholders for the values about to be masked: the policy redacts and the rules found values */
  placeholders: PlaceholderMap | null;
  /** `redact` when the rules found values, `withhold` when only the classifier flagged the request */
  privacy: LogPrivacy;
}

/** What the router sees of the checks (null without a `pii` block); gw explain and the gateway build it alike. */
export function routePii(table: DecisionTable, checks: PiiChecks): RouteRequest['pii'] {
  const c = checks.classifier;
  if (!table.pii) return null;
  return { findings: checks.findings, ...(checks.unscanned ? { unscanned: checks.unscanned } : {}), ...(c ? { classifier: { verdict: c.verdict, ms: c.ms } } : {}) };
}

/** Per gateway log: the classifier model that is down now (its outage was logged). */
const classifierDown = new WeakMap<Logger, string>();

/** The gate of a policy without a `pii` block: nothing to check (shared, never changed). */
const NO_PII: PiiGate = Object.freeze({ findings: Object.freeze([]), classifier: null, values: Object.freeze([]), types: Object.freeze([]), route: null, placeholders: null, privacy: 'clear' }) as unknown as PiiGate;

/**
 * The gate without its checks when the policy has no `pii` block (no promise, no await on the request path), else
 * null: then `piiGate` runs them.
 */
export function noPiiGate(table: DecisionTable): PiiGate | null {
  return table.pii ? null : NO_PII;
}

/** Run the checks for a request on the gateway; the classifier's verdict and latency go to the log (never a value). */
export async function piiGate(table: DecisionTable, texts: readonly string[], ctx: { deps: ClassifyDeps; log: Logger }, id: string): Promise<PiiGate> {
  const checks = await runPiiChecks(table, texts, ctx.deps);
  const types = detectTypes(table);
  const c = checks.classifier;
  if (c && table.pii?.classify) {
    const detail = c.detail ? ` (${redactText(c.detail).slice(0, 160)})` : '';
    const model = table.pii.classify.model;
    // a classifier that is down is logged once per outage (and once when it answers again), not per request
    const wasDown = classifierDown.get(ctx.log) === model;
    if (c.verdict === 'error') {
      if (!wasDown) ctx.log.warn(`${id} pii classifier ${model} is down${detail}; requests go on per on_error ${table.pii.onError} (logged once until it answers again)`);
      classifierDown.set(ctx.log, model);
    } else {
      if (wasDown) {
        ctx.log.info(`pii classifier ${model} answers again`);
        classifierDown.delete(ctx.log);
      }
      ctx.log.info(`${id} pii classifier ${model}: ${c.verdict} in ${c.ms} ms${detail}`);
    }
  }
  const logKnown = checks.findings.length && !checks.unscanned ? await scanForLog(texts, types, checks.known) : null;
  return {
    ...checks,
    logKnown,
    values: checks.findings.map((f) => texts[f.part].slice(f.start, f.end)),
    types,
    route: routePii(table, checks),
    placeholders: table.pii?.action.kind === 'redact' && checks.findings.length && !checks.unscanned ? new PlaceholderMap() : null,
    // bodies whose masking for the log did not finish in time are not logged (rather than masked on the serving thread)
    privacy: checks.unscanned || c?.verdict === 'pii' || (checks.findings.length && !logKnown) ? 'withhold' : checks.findings.length ? 'redact' : 'clear',
  };
}

/**
 * The log of a request with personal values masks every type in its bodies (runtime/state/redact-log.ts): the texts
 * scanned for all of them and masked here, yielding like the gate's scan, so the log does not scan and mask 1 MB in
 * one turn of the serving thread. A scan past its deadline gives null: the bodies are then withheld from the log.
 */
async function scanForLog(texts: readonly string[], types: readonly PiiType[], known: Map<string, PiiFinding[]>): Promise<KnownPii | null> {
  let perText: PiiFinding[][];
  if (PII_TYPES.every((t) => types.includes(t))) perText = texts.map((t) => known.get(t) ?? []);
  else {
    const all = await scanTextsBounded(texts, PII_TYPES);
    if (all.unscanned) return null;
    perText = all.perText;
  }
  const out = new Map<string, string>();
  for (let i = 0; i < texts.length; i++) out.set(texts[i], await maskTextBounded(texts[i], perText[i]));
  return out;
}

/**
 * After masking: the redacted body's own text parts must hold nothing the rules detect. A value the masking could not
 * reach is refused rather than sent.
 */
export async function assertRedacted(table: DecisionTable, texts: readonly string[]): Promise<void> {
  const { findings: left, unscanned } = await scanPartsBounded(table, texts);
  if (!left.length && !unscanned) return;
  const types = unscanned ? detectTypes(table) : [...new Set(left.map((f) => f.type))];
  const why = unscanned
    ? `the check that redaction removed every personal value stopped after ${unscanned.scanned} of ${unscanned.total} characters (its time budget), so the request is not sent`
    : `the request contains personal data (${types.join(', ')}) that redaction could not replace, so it is not sent`;
  throw new GwError(400, 'invalid_request_error', why, 'pii_blocked', {
    pii_types: types,
  });
}

/** The shortest piece of a value that is starred where a trace line quotes part of it. */
const MIN_FRAGMENT = 4;

/**
 * A decision whose trace cannot show personal values: a `text ~` condition quotes what it matched (`at "…"`), which may
 * be a value or part of one. With the detected `values` known, every piece of a value (4+ characters) in such a line is
 * starred; with `null` (a classifier-only hit: no spans), the quote is withheld.
 */
export function scrubTrace<D extends Pick<Decision, 'trace'>>(d: D, values: readonly string[] | null): D {
  const quoting = (m: string) => m.includes(' at "');
  if (!d.trace.some((t) => quoting(t.message))) return d;
  const trace = d.trace.map((t) => {
    if (!quoting(t.message)) return t;
    if (values === null) return { ...t, message: `${t.message.slice(0, t.message.indexOf(' at "'))} at "[withheld]")` };
    const m = starValues(t.message, values);
    return m === t.message ? t : { ...t, message: m };
  });
  return { ...d, trace };
}

/**
 * `message` with every position starred that lies in a piece (MIN_FRAGMENT+ characters, or a whole shorter value) of
 * one of `values`. A piece of MIN_FRAGMENT or more characters is covered by its MIN_FRAGMENT-grams, so each such gram
 * of the (short) message is looked up once in all values joined: linear in the values, however many a request has.
 */
function starValues(message: string, values: readonly string[]): string {
  if (values.length === 0) return message;
  const joined = values.join('\n');
  const star = new Uint8Array(message.length);
  for (let i = 0; i + MIN_FRAGMENT <= message.length; i++) {
    if (joined.includes(message.slice(i, i + MIN_FRAGMENT))) star.fill(1, i, i + MIN_FRAGMENT);
  }
  for (const v of values) {
    if (v.length === 0 || v.length >= MIN_FRAGMENT) continue;
    for (let at = message.indexOf(v); at >= 0; at = message.indexOf(v, at + 1)) star.fill(1, at, at + v.length);
  }
  if (!star.includes(1)) return message;
  let out = '';
  for (let i = 0; i < message.length; i++) out += star[i] ? '*' : message[i];
  return out;
}

/** `x-gw-pii` on the gateway's own refusal of a request redaction could not clean (see assertRedacted). */
export function refusalHeaders(err: GwError): Record<string, string> {
  const types = err.code === 'pii_blocked' ? err.extra.pii_types : null;
  return Array.isArray(types) ? { 'x-gw-pii': `block:${types.join(',')}` } : {};
}

/** A header value must be a ByteString: a client's model name is shown as sent when it is printable ASCII. */
export function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/**
 * PII headers beyond `x-gw-pii` (gwHeaders names the detected types): `x-gw-pii` for a classifier-only verdict,
 * `x-gw-pii-classifier` (verdict and latency) when the classifier ran, and `x-gw-pii-override` when the client named a
 * model that is not local and personal data sent the request elsewhere (`requested openai/gpt-4o, routed local`) or
 * refused it (`requested openai/gpt-4o, blocked`).
 */
export function piiHeaders(table: DecisionTable, gate: Pick<PiiChecks, 'classifier' | 'unscanned'> | null, decision: Decision | null, requested: string, answeredBy: string | null): Record<string, string> {
  const h: Record<string, string> = {};
  const c = gate?.classifier;
  if (c) h['x-gw-pii-classifier'] = `${c.verdict}; ${c.ms}ms`;
  if (!decision || decision.pii.action === 'none') return h;
  if (decision.pii.detected.length === 0) h['x-gw-pii'] = `${decision.pii.action}:${gate?.unscanned ? 'unscanned' : c?.verdict === 'pii' ? 'classifier' : 'classifier_error'}`;
  const name = requested.trim();
  if (name === '' || name === 'auto') return h;
  const r = resolveModel(table, name);
  if (r.kind === 'model' && modelIndex(table).providers.get(r.model.provider)?.local) return h;
  if (decision.pii.action === 'route' && answeredBy) h['x-gw-pii-override'] = `requested ${headerSafe(name)}, routed local`;
  else if (decision.pii.action === 'block') h['x-gw-pii-override'] = `requested ${headerSafe(name)}, blocked`;
  return h;
}
