import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { PlaceholderMap } from '../runtime/pii/placeholders.ts';
import { redactMessagesBody, restoreMessage, thinkingTexts } from '../runtime/pii/redact-messages.ts';
import { anthropicStreamRestorer, openaiStreamRestorer } from '../runtime/pii/restore-stream.ts';
import { decide } from '../runtime/router/decide.ts';
import type { Io } from '../cli/io.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { compileText } from './helpers/policy.ts';

const PHONE = '13812345678';

function mapWith(...values: [type: 'phone' | 'email' | 'name', value: string][]): PlaceholderMap {
  const m = new PlaceholderMap();
  for (const [t, v] of values) m.placeholderFor(t, v);
  return m;
}

const oa = (choices: unknown[]) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices })}\n\n`;

/** Concatenate what the client would see of each choice's content and each tool call's arguments. */
function collectOpenAI(out: string): { content: Record<number, string>; args: Record<string, string>; finishes: number; done: boolean } {
  const content: Record<number, string> = {};
  const args: Record<string, string> = {};
  let finishes = 0;
  let done = false;
  for (const block of out.split('\n\n')) {
    if (!block.startsWith('data: ')) continue;
    const data = block.slice(6);
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    expect(done).toBe(false); // nothing after [DONE]
    for (const c of JSON.parse(data).choices) {
      if (typeof c.delta?.content === 'string') content[c.index] = (content[c.index] ?? '') + c.delta.content;
      for (const t of c.delta?.tool_calls ?? []) if (t.function?.arguments) args[`${c.index}:${t.index}`] = (args[`${c.index}:${t.index}`] ?? '') + t.function.arguments;
      if (c.finish_reason) finishes++;
    }
  }
  return { content, args, finishes, done };
}

describe('openaiStreamRestorer', () => {
  it('restores per choice and per tool call, releases held text with finish_reason, nothing after [DONE]', () => {
    const r = openaiStreamRestorer(mapWith(['phone', PHONE], ['email', 'a"b@x.cn']));
    const frames = [
      oa([{ index: 0, delta: { role: 'assistant', content: '' } }, { index: 1, delta: { role: 'assistant', content: '' } }]),
      oa([{ index: 0, delta: { content: 'A [PHO' } }, { index: 1, delta: { content: 'B [EMAIL_' } }]),
      oa([{ index: 0, delta: { content: 'NE_1] [' } }]),
      oa([{ index: 0, delta: { tool_calls: [{ index: 0, id: 't', function: { name: 'f', arguments: '{"e":"[EMA' } }] } }]),
      oa([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'IL_1]"}' } }] } }]),
      // choice 0 finishes with content of its own: the held "[" goes into that delta, after its own text
      oa([{ index: 0, delta: { content: ' end [PHONE_1' }, finish_reason: 'stop' }]),
      // choice 1 finishes with an empty delta: its held text comes in a chunk just before
      oa([{ index: 1, delta: {}, finish_reason: 'stop' }]),
      'data: [DONE]\n\n',
    ];
    const out = frames.map((f) => r.push(f)).join('') + r.end();
    const got = collectOpenAI(out);
    expect(got.content[0]).toBe(`A ${PHONE} [ end [PHONE_1`);
    expect(got.content[1]).toBe('B [EMAIL_');
    expect(JSON.parse(got.args['0:0'])).toEqual({ e: 'a"b@x.cn' });
    expect(got.finishes).toBe(2);
    expect(got.done).toBe(true);
    // the chunk carrying choice 1's held text precedes its finish chunk
    const lines = out.split('\n\n').filter(Boolean);
    const finish1 = lines.findIndex((l) => l.includes('"index":1') && l.includes('"finish_reason":"stop"'));
    expect(lines[finish1 - 1]).toContain('B [EMAIL_'.slice(2));
  });

  it('end() releases what a stream cut left held back; frames without choices pass unchanged', () => {
    const r = openaiStreamRestorer(mapWith(['phone', PHONE]));
    const usage = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 1 } })}\n\n`;
    expect(r.push(oa([{ index: 0, delta: { content: 'x [PHONE' } }]))).toContain('"content":"x "');
    expect(r.push(usage)).toBe(usage);
    expect(collectOpenAI(r.end()).content[0]).toBe('[PHONE');
    expect(r.end()).toBe('');
  });
});

describe('anthropicStreamRestorer', () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  it('text_delta and input_json_delta, flushed before content_block_stop; several events in one frame', () => {
    const r = anthropicStreamRestorer(mapWith(['phone', PHONE], ['name', 'Li "Wei"']));
    const out = [
      ev('message_start', { message: { id: 'm' } }) + ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'call [PH' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'ONE_1] or [NAME_1] [' } }) + ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"who":"[NAM' } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'E_1]"}' } }),
      ev('content_block_stop', { index: 1 }) + ev('message_delta', { delta: { stop_reason: 'tool_use' } }) + ev('message_stop', {}),
    ]
      .map((f) => r.push(f))
      .join('');
    const text: Record<number, string> = {};
    const order: string[] = [];
    for (const block of out.split('\n\n').filter(Boolean)) {
      const name = /^event: (.+)$/m.exec(block)![1];
      const data = JSON.parse(/^data: (.+)$/m.exec(block)![1]);
      expect(data.type).toBe(name);
      order.push(name === 'content_block_delta' ? `delta ${data.index} ${data.delta.text ?? data.delta.partial_json}` : name === 'content_block_stop' ? `stop ${data.index}` : name);
      if (name === 'content_block_delta') text[data.index] = (text[data.index] ?? '') + (data.delta.text ?? data.delta.partial_json);
    }
    expect(text[0]).toBe(`call ${PHONE} or Li "Wei" [`);
    expect(JSON.parse(text[1])).toEqual({ who: 'Li "Wei"' });
    // the held "[" of block 0 is released just before block 0 stops
    expect(order.indexOf('delta 0 [')).toBe(order.indexOf('stop 0') - 1);
    expect(order.at(-1)).toBe('message_stop');
  });
});

describe('redactMessagesBody / restoreMessage', () => {
  it('masks every text the scan reads, drops thinking that holds personal data, leaves the client body alone', () => {
    const body = {
      model: 'x',
      max_tokens: 10,
      system: [{ type: 'text', text: `ops ${PHONE}` }],
      messages: [
        { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: `doc ${PHONE}` } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: `the user gave ${PHONE}`, signature: 's1' },
            { type: 'thinking', thinking: 'nothing personal', signature: 's2' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { deep: [{ n: PHONE }] } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `got ${PHONE}` }] },
      ],
    };
    const before = JSON.stringify(body);
    expect(thinkingTexts(body)).toEqual([`the user gave ${PHONE}`, 'nothing personal']);
    const map = new PlaceholderMap();
    const out = redactMessagesBody(body, ['phone'], map);
    expect(JSON.stringify(body)).toBe(before);
    const text = JSON.stringify(out);
    expect(text).not.toContain(PHONE);
    expect((out.messages as any)[1].content.map((b: any) => b.type)).toEqual(['thinking', 'tool_use']);
    expect((out.messages as any)[1].content[0].signature).toBe('s2');
    expect((out.messages as any)[1].content[1].input).toEqual({ deep: [{ n: '[PHONE_1]' }] });
    expect(map.size).toBe(1);
    const answer = JSON.stringify({ type: 'message', content: [{ type: 'text', text: 'ok [PHONE_1]' }, { type: 'tool_use', id: 't', name: 'f', input: { a: ['[PHONE_1]'] } }] });
    expect(JSON.parse(restoreMessage(answer, map)).content).toEqual([
      { type: 'text', text: `ok ${PHONE}` },
      { type: 'tool_use', id: 't', name: 'f', input: { a: [PHONE] } },
    ]);
  });
});

describe('decide: a classifier-only hit under redact', () => {
  it('is refused as pii_blocked (nothing to mask)', () => {
    const table = compileText(`provider ollama { base_url "http://127.0.0.1:9/v1"  local }
provider openai { key env OPENAI_API_KEY }
model ollama/guard { context 8k }
model openai/gpt-4o { context 128k  price 5 / 15 }
scenario chat { paid openai/gpt-4o  willingness 0% }
pii {
  detect phone
  classify with ollama/guard timeout 1s
  redact
}
`);
    const d = decide(table, { model: 'auto', messages: [{ role: 'user', content: 'x' }], pii: { findings: [], classifier: { verdict: 'pii', ms: 5 } } }, {}, Date.now(), 0);
    expect(d.model).toBeNull();
    expect(d.pii.action).toBe('block');
    expect(d.error).toMatchObject({ type: 'pii_blocked', message: expect.stringContaining('cannot be redacted') });
  });
});

describe('gw explain and personal data', () => {
  let up: FakeUpstream;
  let dir: string;
  beforeAll(async () => {
    up = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'gw-pii-explain-'));
    writeFileSync(
      join(dir, 'routes.gw'),
      `provider ollama { base_url "${up.url}/ollama/v1"  local }
provider paidco { base_url "${up.url}/paidco/v1"  key env PAIDCO_KEY }
model ollama/qwen-local { context 32k }
model ollama/guard { context 8k }
model paidco/paid-model { context 128k  price 1 / 2 }
scenario numbers when text ~ /\\d{11}/ { paid paidco/paid-model  willingness 0% }
scenario chat { paid paidco/paid-model  willingness 0% }
pii {
  detect phone id_card
  classify with ollama/guard timeout 2s
  route ollama/qwen-local
}
`,
    );
  });
  afterAll(async () => {
    await up?.close();
  });
  const run = async (args: string[]) => {
    const io: Io & { stdout: string; stderr: string } = {
      stdout: '',
      stderr: '',
      env: { PAIDCO_KEY: 'k' },
      cwd: dir,
      out(t) {
        io.stdout += t;
      },
      err(t) {
        io.stderr += t;
      },
    };
    const code = await main(['explain', '--draw', '0.5', ...args], io);
    return { code, out: io.stdout };
  };

  it('shows the detector, the offsets and the masked value; never the value, not even where a condition quotes it', async () => {
    const { code, out } = await run([`call me at ${PHONE} please`]);
    expect(code).toBe(0);
    expect(out).toContain('phone by cn_mobile at part 0 offsets 11-22: 138****5678');
    expect(out).toContain('found phone → route ollama/qwen-local');
    expect(out).toContain('not asked: the detectors already found personal data');
    expect(out).toContain('numbers: matched (text matches /\\d{11}/ at "138****5678")');
    expect(out).not.toContain(PHONE);
    const j = await run(['--json', `call me at ${PHONE} please`]);
    expect(j.out).not.toContain(PHONE);
    expect(JSON.parse(j.out).pii).toMatchObject({ action: 'route', findings: [{ type: 'phone', detector: 'cn_mobile', start: 11, end: 22, masked: '138****5678' }] });
    // a condition that matched part of a value: the piece is starred
    const id = await run(['id 110101199003078515']);
    expect(id.out).toContain('id_card by cn_id18 at part 0 offsets 3-21: [ID_CARD]');
    expect(id.out).toContain('numbers: matched (text matches /\\d{11}/ at "***********")');
    for (let i = 0; i + 4 <= 18; i++) expect(id.out).not.toContain('110101199003078515'.slice(i, i + 4));
  });

  it('does not run the classifier unless asked with --classify', async () => {
    up.reset();
    const { out } = await run(['Mrs Li has diabetes']);
    expect(out).toContain('classifier ollama/guard not run (it needs the live local model; pass --classify to ask it)');
    expect(out).toContain('→ paidco/paid-model');
    expect(up.requests).toHaveLength(0);
    up.script('guard', { reply: 'Yes.' });
    const asked = await run(['--classify', 'Mrs Li has diabetes']);
    expect(asked.out).toMatch(/classifier said pii in \d+ ms/);
    expect(asked.out).toContain('found personal data (classifier) → route ollama/qwen-local');
    expect(asked.out).toContain('→ ollama/qwen-local (local)');
    expect(up.requests.map((r) => r.model)).toEqual(['guard']);
  });
});
