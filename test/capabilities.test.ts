import { describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import type { RouteRequest } from '../runtime/router/types.ts';
import { compileText } from './helpers/policy.ts';

const table = compileText(
  `provider a { base_url "http://127.0.0.1:9/v1"  key env A_KEY }
model a/text   { context 128k  free 1M tokens every day }
model a/tooler { context 128k  free 1M tokens every day  can tools }
model a/eyes   { context 128k  price 1 / 2  can vision tools }
model a/embed  { context 8k  price 0.1 / 0  can embed }
scenario chat {
  free a/text, a/tooler
  paid a/eyes, a/embed
  willingness 100%
}`,
  { A_KEY: 'k' },
);
const NOW = Date.parse('2026-12-03T10:00:00Z');
const req = (over: Partial<RouteRequest>): RouteRequest => ({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...over });
const reason = (d: ReturnType<typeof decide>, m: string) => d.candidates.find((c) => c.model === m)?.reason;

describe('capabilities are enforced', () => {
  it('plain text: the first free model; a `can embed` model takes no chat', () => {
    const d = decide(table, req({}), {}, NOW, 0);
    expect(d.model).toBe('a/text');
    expect(reason(d, 'a/embed')).toBe('an embeddings model (`can embed`) takes only embeddings requests');
  });
  it('tools → only `can tools` models', () => {
    const d = decide(table, req({ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }), {}, NOW, 0);
    expect(d.model).toBe('a/tooler');
    expect(reason(d, 'a/text')).toBe('the request has tools and the model has no `can tools`');
  });
  it('image parts → only `can vision` models', () => {
    const d = decide(table, req({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'text', text: 'what?' }] }] }), {}, NOW, 0);
    expect(d.model).toBe('a/eyes');
    expect(reason(d, 'a/tooler')).toBe('the request has images and the model has no `can vision`');
  });
  it('embeddings → only `can embed` models', () => {
    const d = decide(table, req({ embeddings: true }), {}, NOW, 0);
    expect(d.model).toBe('a/embed');
    // one embedding model per request: chat models are not even candidates
    expect(d.candidates.map((c) => c.model)).toEqual(['a/embed']);
    expect(reason(decide(table, req({ embeddings: true, model: 'a/text' }), {}, NOW, 0), 'a/text')).toBe('not an embeddings model (no `can embed`)');
  });
});
