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
