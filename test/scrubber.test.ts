import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyGuard } from '../runtime/providers/body-guard.ts';
import { readCapped, sseEvents } from '../runtime/providers/sse.ts';
import { REDACTED, Scrubber, scrubberFor, tableSecrets } from '../runtime/secrets/scrubber.ts';
import { compileText } from './helpers/policy.ts';

const KEY = 'sk-live-9f8e7d6c5b4a3210';
const HEADER_SECRET = 'hdr-tok-55aa66bb77cc';

describe('Scrubber', () => {
  const sc = new Scrubber([KEY, HEADER_SECRET, null, undefined, 'ollama']);

  it('replaces every known secret, ignores values too short to be one', () => {
    expect(sc.text(`a ${KEY} b ${HEADER_SECRET} c ${KEY}`)).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED}`);
    expect(sc.text('ollama/qwen2.5:7b')).toBe('ollama/qwen2.5:7b');
    expect(sc.secrets).not.toContain('ollama');
  });

  it('messages also lose key-shaped text and bearer tokens; content keeps them (they may be the user’s own)', () => {
    expect(sc.message('wrong key sk-proj-abcdefgh1234 sent as Bearer xyz.123')).toBe(`wrong key ${REDACTED} sent as Bearer ${REDACTED}`);
    expect(sc.text('an example: sk-proj-abcdefgh1234')).toBe('an example: sk-proj-abcdefgh1234');
  });

  it('catches a secret as it appears inside a JSON string', () => {
    const odd = new Scrubber(['pa"ss\\word-123']);
    const json = JSON.stringify({ message: 'got pa"ss\\word-123' });
    expect(odd.text(json)).not.toContain('word-123');
    expect(() => JSON.parse(odd.text(json))).not.toThrow();
  });

  it('a stream catches a secret split across any two pushes, and holds back nothing that cannot start one', () => {
    const text = `data: {"error":"bad key ${KEY} and ${HEADER_SECRET}"}\n\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const st = sc.stream();
      const out = st.push(text.slice(0, cut)) + st.push(text.slice(cut)) + st.end();
      expect(out).toBe(`data: {"error":"bad key ${REDACTED} and ${REDACTED}"}\n\n`);
    }
    const st = sc.stream();
    expect(st.push('data: {"a":1}\n\n')).toBe('data: {"a":1}\n\n');
    expect(st.push('ends with s')).toBe('ends with ');
    expect(st.push('k-not-the-key')).toBe('sk-not-the-key');
  });

  it('the table knows every provider key variable that is set, header secrets and the gateway token', () => {
    const table = compileText(
      `gateway { auth env GW_TOKEN }
provider relay {
  base_url "http://127.0.0.1:9/v1"
  key env RELAY_KEY or env RELAY_KEY_2
  header "X-Relay-Token" env RELAY_TOKEN
  header "X-Api-Key" env MISSING or env RELAY_ALT
  header "HTTP-Referer" "https://gw.local"
}
model relay/m { context 8k  price 1 / 1 }
scenario chat { paid relay/m }`,
      { RELAY_KEY: KEY, RELAY_KEY_2: 'sk-second-key-0000', RELAY_TOKEN: HEADER_SECRET, RELAY_ALT: 'alt-secret-1234', GW_TOKEN: 'gw-token-abcdef' },
    );
    const env = { RELAY_KEY: KEY, RELAY_KEY_2: 'sk-second-key-0000', RELAY_TOKEN: HEADER_SECRET, RELAY_ALT: 'alt-secret-1234', GW_TOKEN: 'gw-token-abcdef' };
    expect(new Set(tableSecrets(table, env))).toEqual(new Set([KEY, 'sk-second-key-0000', HEADER_SECRET, 'alt-secret-1234', 'gw-token-abcdef']));
    expect(scrubberFor(table, env)).toBe(scrubberFor(table, env));
  });
});

describe('BodyGuard (every upstream body passes it)', () => {
  const sc = new Scrubber([KEY, 'ключ-секрет-42']);

  async function through(chunks: Buffer[]): Promise<string> {
    const g = new BodyGuard({ scrubber: sc.bytes() });
    Readable.from(chunks).pipe(g);
    return readCapped(g, 1 << 20);
  }

  it('scrubs the bytes whatever the read boundaries, multi-byte characters included', async () => {
    const text = Buffer.from(`{"error":{"message":"key ${KEY} / ключ-секрет-42 — done"}}`);
    for (let cut = 1; cut < text.length; cut += 3) {
      const out = await through([text.subarray(0, cut), text.subarray(cut)]);
      expect(out).toBe(`{"error":{"message":"key ${REDACTED} / ${REDACTED} — done"}}`);
    }
  });

  it('an SSE reader sees scrubbed events even when a secret straddles two reads', async () => {
    const g = new BodyGuard({ scrubber: sc.bytes() });
    const frame = `event: error\ndata: {"type":"error","error":{"type":"api_error","message":"echo ${KEY}"}}\n\n`;
    const mid = frame.indexOf(KEY) + 5;
    Readable.from([Buffer.from(frame.slice(0, mid)), Buffer.from(frame.slice(mid))]).pipe(g);
    const events = [];
    for await (const e of sseEvents(g)) events.push(e);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toContain(REDACTED);
    expect(events[0]!.data).not.toContain('sk-live');
  });

  it('fails a body that goes silent longer than the idle timeout, while its reader waits', async () => {
    const src = new Readable({ read() {} });
    const g = new BodyGuard({ scrubber: null, idleTimeoutMs: 80 });
    src.pipe(g);
    src.push('{"half":');
    const err = await readCapped(g, 1 << 20).catch((e: Error & { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('GW_IDLE_TIMEOUT');
    expect((err as Error).message).toBe('the upstream sent nothing for 80 ms (idle timeout)');
  });
});
