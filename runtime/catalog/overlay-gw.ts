import type { CatalogEntry } from './types.ts';

/**
 * gw's overlay, part 2: what no catalog has — retirement dates the providers announced, the free tiers the Chinese
 * providers (and a few others) advertise, and the models the seed gateways used that models.dev does not list.
 * Each entry names its source and the day it was read. Keyed by gw provider name, then the provider's model name.
 */
export const GW_OVERLAY_DATE = '2026-12-03';

const ANTHROPIC_DEPRECATIONS = 'docs.anthropic.com/en/docs/about-claude/model-deprecations';
const retired = (retires: string): CatalogEntry => ({ retires });
const FREE_OF_CHARGE = { input: 0, output: 0 } as const;

export const GW_OVERLAY: Readonly<Record<string, Readonly<Record<string, CatalogEntry>>>> = {
  anthropic: {
    // source: ANTHROPIC_DEPRECATIONS (read 2026-12-03)
    'claude-3-sonnet-20240229': retired('2025-07-21'),
    'claude-3-5-sonnet-20240620': retired('2025-10-22'),
    'claude-3-5-sonnet-20241022': retired('2025-10-22'),
    'claude-3-opus-20240229': retired('2026-01-05'),
    'claude-3-7-sonnet-20250219': retired('2026-02-19'),
    'claude-3-5-haiku-20241022': retired('2026-02-19'),
    // Anthropic release notes: Claude Sonnet 4 and Opus 4 API ids retired 2026-06-15
    'claude-sonnet-4-20250514': retired('2026-06-15'),
    'claude-sonnet-4-0': retired('2026-06-15'),
    'claude-opus-4-20250514': retired('2026-06-15'),
    'claude-opus-4-0': retired('2026-06-15'),
  },
  siliconflow: {
    // siliconflow.cn/pricing (survey of 2026-02-08, huasheng.ai/insights/siliconflow-api-guide: "15 free LLMs, input
    // and output 0 CNY"): free models, rate-limited. models.dev prices them $0.05–0.06 per 1M (the paid Pro/
    // variants' price); the price here is SiliconFlow's own, 0 / 0, so a free model is never charged nor paid for by
    // the account's gift balance
    'Qwen/Qwen2.5-7B-Instruct': {
      price: FREE_OF_CHARGE,
      free: { tokens: null, period: 'day', note: 'free model (price 0), rate-limited', source: 'siliconflow.cn/pricing', date: '2026-02-08' },
    },
    'Qwen/Qwen3-8B': {
      price: FREE_OF_CHARGE,
      free: { tokens: null, period: 'day', note: 'free model (price 0), rate-limited', source: 'siliconflow.cn/pricing', date: '2026-02-08' },
    },
    'Qwen/Qwen2.5-Coder-7B-Instruct': {
      price: FREE_OF_CHARGE,
      free: { tokens: null, period: 'day', note: 'free model (price 0), rate-limited', source: 'siliconflow.cn/pricing', date: '2026-02-08' },
    },
  },
  openai: {
    // platform.openai.com/docs/deprecations, notice of 2025-04-28: o1-preview shut down 2025-07-28, o1-mini 2025-10-27
    // (read 2026-12-04 through aiwiki.ai/wiki/o1, which cites it: the deprecations page itself now lists only
    // upcoming shutdowns; models.dev dropped both)
    'o1-preview': retired('2025-07-28'),
    'o1-preview-2024-09-12': retired('2025-07-28'),
    'o1-mini': retired('2025-10-27'),
    'o1-mini-2024-09-12': retired('2025-10-27'),
    // developers.openai.com/api/docs/deprecations (read 2026-12-04 through its copies of 2026-10-15 and 2026-10-27,
    // which list every date; the GET /v1/models `shutdown_date` of 2026-10-27 matched them): o1, o3-mini and o4-mini
    // shut down 2026-10-23 (replacement for o4-mini: gpt-6.1-terra); gpt-5, gpt-5-mini, gpt-5-nano and o3 on
    // 2026-12-11; gpt-4o, gpt-4o-mini, gpt-4.1 and gpt-4.1-mini on 2027-01-14
    o1: retired('2026-10-23'),
    'o1-2024-12-17': retired('2026-10-23'),
    'o3-mini': retired('2026-10-23'),
    'o3-mini-2025-01-31': retired('2026-10-23'),
    'o4-mini': retired('2026-10-23'),
    'o4-mini-2025-04-16': retired('2026-10-23'),
    'gpt-4.1-nano': retired('2026-10-23'),
    'gpt-5': retired('2026-12-11'),
    'gpt-5-mini': retired('2026-12-11'),
    'gpt-5-nano': retired('2026-12-11'),
    o3: retired('2026-12-11'),
    'gpt-4o': retired('2027-01-14'),
    'gpt-4o-mini': retired('2027-01-14'),
    'gpt-4.1': retired('2027-01-14'),
    'gpt-4.1-mini': retired('2027-01-14'),
    // OpenAI's GPT-6.1 Terra model and pricing pages (read 2026-12-04 through their copies: LiteLLM's day-0 post,
    // Venice's model page): released 2026-10-26; 1,050,000 context (922k input), 128k output; $1 / $5, cache read
    // $0.05 and write (30 min) $1.25 per 1M below 272k input tokens; text and image in; reasoning none to max.
    // Its model page: tool calling needs the Responses API (the openai preset speaks it)
    'gpt-6.1-terra': {
      context: 1_050_000,
      maxOutput: 128_000,
      price: { input: 1, output: 5, cacheRead: 0.05, cacheWrite: 1.25 },
      capabilities: ['tools', 'vision', 'reasoning', 'code', 'json', 'long_context'],
      modalities: { input: ['text', 'image'], output: ['text'] },
      released: '2026-10-26',
    },
  },
  groq: {
    'llama-3.1-8b-instant': {
      free: { tokens: 500_000, period: 'day', note: 'free plan: 30 rpm, 14,400 requests and 500k tokens a day, 6k tpm', source: 'console.groq.com/docs/rate-limits', date: '2026-12-03' },
    },
  },
  aliyun: {
    // seed 001 (migration report, 2026-02-15): new-account quotas of 1M tokens per model, each with its expiry
    'kimi-k2.5': { free: { tokens: 1_000_000, period: 'once', until: '2026-04-30', note: 'new-account quota (expired)', source: 'Aliyun Model Studio console, per the seed report', date: '2026-02-15' } },
    'deepseek-v3.2': {
      context: 131_072,
      capabilities: ['tools', 'reasoning', 'code'],
      free: { tokens: 1_000_000, period: 'once', until: '2026-03-03', note: 'new-account quota (expired)', source: 'Aliyun Model Studio console, per the seed report', date: '2026-02-15' },
    },
    'qwen3-max-preview': { free: { tokens: 1_000_000, period: 'once', until: '2026-03-03', note: 'new-account quota (expired)', source: 'Aliyun Model Studio console, per the seed report', date: '2026-02-15' } },
    // seed 000 lists these among Aliyun's one-time 1M-token quotas
    'qwen3-max-2026-01-23': {
      context: 262_144,
      maxOutput: 32_768,
      capabilities: ['tools', 'reasoning', 'code'],
      released: '2026-01-23',
      free: { tokens: 1_000_000, period: 'once', note: 'new-account quota, 1M tokens per model, never refreshed', source: 'Aliyun Model Studio (seed 000)', date: '2026-02-15' },
    },
    'glm-4.7': {
      context: 204_800,
      capabilities: ['tools', 'reasoning', 'code'],
      free: { tokens: 1_000_000, period: 'once', note: 'new-account quota, 1M tokens per model, never refreshed', source: 'Aliyun Model Studio (seed 000)', date: '2026-02-15' },
    },
  },
  moonshot: {
    // seed 001 lists it (8k window); models.dev no longer does
    'moonshot-v1-8k': { context: 8_192, capabilities: ['tools'] },
    'moonshot-v1-128k': { context: 131_072, capabilities: ['tools'] },
  },
  nvidia: {
    // seed 000: served on NVIDIA NIM under this id; NIM's trial credits are free, rate-limited at 40 rpm
    'z-ai/glm5': { context: 204_800, capabilities: ['tools', 'reasoning', 'code'], free: { tokens: null, period: 'day', note: 'NIM trial access, 40 rpm', source: 'build.nvidia.com', date: '2026-07-25' } },
  },
  iflow: {
    // seed 000: iFlow serves Qwen3-Coder free of charge
    'Qwen3-Coder': { context: 262_144, capabilities: ['tools', 'code'], price: { input: 0, output: 0 }, free: { tokens: null, period: 'day', note: 'free of charge, rate-limited', source: 'platform.iflow.cn', date: '2026-02-15' } },
  },
  zhipu: {
    'glm-4.7-flash': { free: { tokens: null, period: 'day', note: 'free model (price 0)', source: 'docs.z.ai/guides/overview/pricing', date: '2026-07-02' } },
    'glm-4.5-flash': { free: { tokens: null, period: 'day', note: 'free model (price 0)', source: 'docs.z.ai/guides/overview/pricing', date: '2026-07-02' } },
  },
};

export const GW_OVERLAY_SOURCES = { anthropic: ANTHROPIC_DEPRECATIONS } as const;
