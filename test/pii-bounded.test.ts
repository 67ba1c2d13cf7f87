import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanTextsBounded, WINDOW } from '../runtime/pii/bounded-scan.ts';
import { detectAllPii, detectPii } from '../runtime/pii/detect.ts';
import { PII_TYPES } from '../runtime/pii/types.ts';
import { decide } from '../runtime/router/decide.ts';
import type { RouteRequest } from '../runtime/router/types.ts';
import { piiHeaders, runPiiChecks } from '../runtime/server/pii-gate.ts';
import { compileFile, compileText, EXAMPLE } from './helpers/policy.ts';
import { worstShapes } from './helpers/worst-shapes.ts';

// Issue 10: PII scanning is linear and bounded. Before, 1 MB of dense e-mail addresses took ≈ 6 s (each address
// looked for the start of its line back to the start of the text), and the whole scan ran in one event-loop turn.

const CORPUS = fileURLToPath(new URL('./fixtures/pii-corpus/corpus.jsonl', import.meta.url));
const corpusText = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text);

/** Generous (the suite shares 2 cores): these shapes take 5–80 ms per MB on an idle core; the quadratic one took 6,000 ms. */
const BOUND_MS = 3000;

describe('PII detectors are linear', () => {
  for (const [shape, text] of Object.entries(worstShapes(1 << 20))) {
    it(`scans 1 MB of ${shape} for every type within ${BOUND_MS} ms`, () => {
      const t0 = performance.now();
      const found = detectAllPii(text);
      expect(performance.now() - t0).toBeLessThan(BOUND_MS);
      if (shape === 'dense emails, phones') {
        // every generated address and mobile number is found, nothing else
        const emails = text.match(/u\d+@mail\d+\.com/g)!.length;
        expect(found.filter((f) => f.type === 'email')).toHaveLength(emails);
        expect(found.filter((f) => f.type === 'phone').length).toBeGreaterThan(emails * 0.95);
      } else expect(found).toEqual([]);
    });
  }
});

describe('windowed scanning', () => {
  it('finds what a whole-text scan finds in a long text (values across window borders included)', async () => {
    // the corpus, joined until it spans several windows, with separators that move values across the borders
    const parts: string[] = [];
    let len = 0;
    for (let i = 0; len < WINDOW * 5; i++) {
      const t = corpusText[i % corpusText.length] + (i % 3 === 0 ? '\n' : i % 3 === 1 ? ' ' : '。');
      parts.push(t);
      len += t.length;
    }
    const text = parts.join('');
    const whole = detectPii(text, PII_TYPES).map((f) => [f.type, f.start, f.end]);
    const { perText, unscanned } = await scanTextsBounded([text], PII_TYPES);
    expect(unscanned).toBeNull();
    expect(whole.length).toBeGreaterThan(100);
    expect(perText[0].map((f) => [f.type, f.start, f.end])).toEqual(whole);
  });

  it('gives the event loop back while it scans 1 MB', async () => {
    const text = worstShapes(1 << 20)['dense emails, phones'];
    let turns = 0;
    const tick = setInterval(() => turns++, 1);
    const { perText } = await scanTextsBounded([text], PII_TYPES, { sliceMs: 5, deadlineMs: 60_000 });
    clearInterval(tick);
    expect(perText[0].length).toBeGreaterThan(1000);
    expect(turns).toBeGreaterThan(2);
  });

  it('stops at its deadline and says how far it got', async () => {
    const text = 'x'.repeat(WINDOW * 8);
    let clock = 0;
    const { unscanned } = await scanTextsBounded([text, 'short'], PII_TYPES, { sliceMs: 1e9, deadlineMs: 3 }, () => clock++);
    expect(unscanned).not.toBeNull();
    expect(unscanned!.total).toBe(text.length + 5);
    expect(unscanned!.scanned).toBeGreaterThan(0);
    expect(unscanned!.scanned).toBeLessThan(text.length);
  });
});

describe('a scan past its deadline is treated as personal data', () => {
  const table = compileFile(EXAMPLE); // pii { detect … route ollama/qwen2.5:7b }
  const user = (content: string): RouteRequest => ({ model: 'auto', messages: [{ role: 'user', content }] });
  const now = Date.parse('2026-03-10T08:00:00Z');

  it('routes by the policy’s pii action, and the trace says why', async () => {
    const text = 'nothing personal here. '.repeat(100);
    const checks = await runPiiChecks(table, [text], null, { sliceMs: 10, deadlineMs: -1 });
    expect(checks.unscanned).toEqual({ scanned: 0, total: text.length });
    expect(checks.findings).toEqual([]);
    const d = decide(table, { ...user(text), pii: { findings: [], unscanned: checks.unscanned! } }, {}, now, 0.1);
    expect(d.pii.action).toBe('route');
    expect(d.model).toBe('ollama/qwen2.5:7b');
    const lines = d.trace.filter((t) => t.step === 'pii').map((t) => t.message);
    expect(lines[0]).toBe("the scan stopped after 0 of 2,300 chars (its time budget): treated as personal data");
    // the same text scanned to the end is clean
    const clean = decide(table, { ...user(text), pii: { findings: [] } }, {}, now, 0.1);
    expect(clean.pii.action).toBe('none');
  });

  it('says so in x-gw-pii', () => {
    const d = decide(table, { ...user('hi'), pii: { findings: [], unscanned: { scanned: 10, total: 99 } } }, {}, now, 0.1);
    expect(piiHeaders(table, { classifier: null, unscanned: { scanned: 10, total: 99 } }, d, 'auto', d.model)['x-gw-pii']).toBe('route:unscanned');
  });

  it('is refused under `redact` (what was not scanned cannot be masked) and blocked under `block`', () => {
    const base = readFileSync(EXAMPLE, 'utf8');
    for (const [action, code] of [['redact', /cannot be redacted/], ['block', /not fully scanned/]] as const) {
      const t = compileText(base.replace(/route ollama\/qwen2\.5:7b\s+#[^\n]*/, action));
      const d = decide(t, { ...user('hi'), pii: { findings: [], unscanned: { scanned: 10, total: 99 } } }, {}, now, 0.1);
      expect(d.pii.action).toBe('block');
      expect(d.error?.type).toBe('pii_blocked');
      expect(d.error?.message).toMatch(code);
    }
  });
});

describe('masking a long text for the log', () => {
  it('gives what maskText gives, over many findings', async () => {
    const { maskTextBounded } = await import('../runtime/pii/bounded-scan.ts');
    const { maskText } = await import('../runtime/pii/mask.ts');
    const text = worstShapes(1 << 18)['dense emails, phones'];
    const found = detectAllPii(text);
    expect(found.length).toBeGreaterThan(10_000);
    expect(await maskTextBounded(text, found, 1)).toBe(maskText(text, found));
  });
});
