import { requestParts } from '../router/request-text.ts';
import { promptTokens } from '../router/tokens.ts';
import type { ChatMessage } from '../router/types.ts';
import { prng } from './seeded.ts';
import type { TrafficLine } from './traffic.ts';

export interface SynthOptions {
  days: number;
  perDay: number;
  /** kind → share (they are normalised) */
  mix: Record<string, number>;
  seed: number;
  /** first day, epoch ms at 00:00 UTC */
  start: number;
}

/** Share of a day's requests in each UTC hour: quiet at night, a working-day peak, an evening shoulder. */
const HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 4, 4, 3.5, 3, 2.5, 1.5];

const WORDS = (
  'the gateway routes every request to a model free quota first budget policy scenario tier provider token answer ' +
  'user system data report table value result time day month change review plan design test build deploy error ' +
  'summary chapter section paragraph argument evidence method analysis conclusion figure source history context'
).split(' ');

const CHAT = ['What is the capital of Australia?', '帮我写一封请假邮件', 'Explain the difference between TCP and UDP.', '今天适合去爬山吗？给点建议', 'Give me three ideas for a birthday party.', '用一句话解释什么是量子纠缠'];
const CODE = ['写一个 Python 快排', 'Fix this function:\n```js\nfunction add(a, b) { return a - b }\n```', 'def parse(s):\n    return int(s)\n# why does this fail on "1.5"? python', 'Write a javascript debounce function with tests.', '用 Go 写一个 HTTP 服务器的代码'];

interface Kind {
  /** the request body for a draw */
  body(rand: () => number): Record<string, unknown>;
  /** median and spread (log-normal sigma) of the answer's tokens */
  answer: [number, number];
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

/** A standard normal draw (Box–Muller). */
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function logNormal(rand: () => number, median: number, sigma: number, max: number): number {
  return Math.max(1, Math.min(max, Math.round(median * Math.exp(sigma * normal(rand)))));
}

function prose(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(rand, WORDS) + (i % 17 === 16 ? '.' : ''));
  return out.join(' ');
}

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];

const KINDS: Record<string, Kind> = {
  chat: { body: (r) => ({ model: 'auto', messages: user(pick(r, CHAT)) }), answer: [250, 0.7] },
  code: { body: (r) => ({ model: 'auto', messages: user(`${pick(r, CODE)}\n${prose(r, logNormal(r, 80, 0.8, 2000))}`) }), answer: [600, 0.6] },
  // long documents: about 55k–70k tokens (one word of this vocabulary is about one token)
  long_text: { body: (r) => ({ model: 'auto', messages: user(`Summarise this document:\n${prose(r, 55_000 + Math.floor(r() * 15_000))}`) }), answer: [800, 0.4] },
  tools: {
    body: (r) => ({
      model: 'auto',
      messages: user(`What's the weather in ${pick(r, ['Beijing', 'Paris', 'Lima'])}?`),
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    }),
    answer: [60, 0.5],
  },
  image: {
    body: () => ({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }),
    answer: [150, 0.5],
  },
};

export const SYNTH_KINDS = Object.keys(KINDS);

/** `code=30%,chat=60%,long_text=10%` → shares; kinds must be known, shares positive. */
export function parseMix(text: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\d+(?:\.\d+)?)%?\s*$/.exec(part);
    if (!m) throw new Error(`--mix takes KIND=SHARE%,… (e.g. code=30%,chat=60%,long_text=10%), got "${part}"`);
    if (!KINDS[m[1]]) throw new Error(`--mix: unknown kind "${m[1]}"; known: ${SYNTH_KINDS.join(', ')}`);
    mix[m[1]] = Number(m[2]);
  }
  const total = Object.values(mix).reduce((s, x) => s + x, 0);
  if (!(total > 0)) throw new Error('--mix: the shares add up to nothing');
  return mix;
}

/**
 * Plausible traffic for a user with no logs yet: each day's requests arrive by hour of day (HOUR_WEIGHTS), each of a
 * kind drawn from the mix, with prompt text of that kind and an answer size from a log-normal; usage carries the
 * router's own prompt token count. The same seed gives the same traffic.
 */
export function* synthTraffic(o: SynthOptions): Generator<TrafficLine> {
  const rand = prng(o.seed);
  const kinds = Object.entries(o.mix);
  const total = kinds.reduce((s, [, x]) => s + x, 0);
  const hourTotal = HOUR_WEIGHTS.reduce((s, x) => s + x, 0);
  for (let day = 0; day < o.days; day++) {
    const times: number[] = [];
    for (let i = 0; i < o.perDay; i++) {
      let u = rand() * hourTotal;
      let h = 0;
      while (h < 23 && u >= HOUR_WEIGHTS[h]) u -= HOUR_WEIGHTS[h++];
      times.push(o.start + day * 86_400_000 + h * 3_600_000 + Math.floor(rand() * 3_600_000));
    }
    times.sort((a, b) => a - b);
    for (const t of times) {
      let u = rand() * total;
      let kind = kinds[0][0];
      for (const [k, share] of kinds) {
        if (u < share) {
          kind = k;
          break;
        }
        u -= share;
      }
      const spec = KINDS[kind];
      const request = spec.body(rand);
      const messages = request.messages as ChatMessage[];
      const tools = (request.tools as unknown[] | undefined) ?? null;
      const prompt = promptTokens({ messages, tools }, requestParts({ messages, tools }));
      yield { at: new Date(t).toISOString(), endpoint: 'chat', request, usage: { prompt_tokens: prompt, completion_tokens: logNormal(rand, spec.answer[0], spec.answer[1], 16_000) }, headers: { 'x-gw-synth-kind': kind } };
    }
  }
}
