import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { decide } from '../runtime/router/decide.ts';
import { requestParts } from '../runtime/router/request-text.ts';
import type { ChatMessage, RouteRequest, StateSnapshot } from '../runtime/router/types.ts';
import { scanParts } from '../runtime/pii/scan.ts';
import { maskValue } from '../runtime/pii/mask.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { renderExplain } from './explain-render.ts';
import { readStoredState } from '../runtime/state/read-state.ts';

export const explainHelp = `gw explain [--config FILE] [--json] [--draw U] [--now ISO-TIME] [--used P/M=TOKENS]...
           [--model NAME] [--prefer-free] [--priority quality] [--max-tokens N] [--header NAME=VALUE]...
           (PROMPT | --file PATH)
  Dry-run the router on a prompt: which scenario, which tier, every candidate and why, and what follows on failure.
  --file may hold plain text (one user message) or a JSON chat request body ({"messages": […], …}).
  --draw fixes the random draw in [0,1) that is compared with the scenario's willingness (default: random).`;

interface ExplainArgs {
  request: RouteRequest;
  state: StateSnapshot;
  now: number;
  draw: number;
}

function parseUsed(list: string[]): StateSnapshot['quota'] {
  const quota: Record<string, { used: number }> = {};
  for (const u of list) {
    const m = /^(.+)=(\d+(?:\.\d+)?)([kKM]?)$/.exec(u);
    if (!m) throw new UsageError(`--used takes provider/model=TOKENS (e.g. groq/llama-3.1-8b-instant=200k), got "${u}"`);
    const scale = m[3] === '' ? 1 : m[3] === 'M' ? 1e6 : 1e3;
    quota[m[1]] = { used: Math.round(Number(m[2]) * scale) };
  }
  return quota;
}

function readRequest(prompt: string | undefined, file: string | undefined): Partial<RouteRequest> & { messages: ChatMessage[] } {
  if (file !== undefined) {
    const text = readFileSync(file, 'utf8');
    try {
      const body = JSON.parse(text) as { messages?: ChatMessage[]; model?: string; tools?: unknown[]; max_tokens?: number; prefer_free_tier?: boolean; priority?: string };
      if (body && Array.isArray(body.messages))
        return { messages: body.messages, model: body.model, tools: body.tools, maxTokens: body.max_tokens, preferFreeTier: body.prefer_free_tier, priority: body.priority };
    } catch {
      /* plain text */
    }
    return { messages: [{ role: 'user', content: text }] };
  }
  if (prompt === undefined) throw new UsageError('gw explain needs a PROMPT or --file PATH');
  return { messages: [{ role: 'user', content: prompt }] };
}

export function parseExplainArgs(args: string[]): ExplainArgs & { config?: string; json: boolean } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      draw: { type: 'string' },
      now: { type: 'string' },
      used: { type: 'string', multiple: true, default: [] },
      model: { type: 'string' },
      'prefer-free': { type: 'boolean', default: false },
      priority: { type: 'string' },
      'max-tokens': { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
      file: { type: 'string' },
    },
  });
  const draw = values.draw !== undefined ? Number(values.draw) : Math.random();
  if (!(draw >= 0 && draw < 1)) throw new UsageError(`--draw takes a number in [0, 1), got "${values.draw}"`);
  const now = values.now !== undefined ? Date.parse(values.now) : Date.now();
  if (Number.isNaN(now)) throw new UsageError(`--now takes an ISO time like 2026-03-10T08:00:00Z, got "${values.now}"`);
  const base = readRequest(positionals.join(' ') || undefined, values.file);
  const headers: Record<string, string> = {};
  for (const h of values.header) {
    const i = h.indexOf('=');
    if (i <= 0) throw new UsageError(`--header takes NAME=VALUE, got "${h}"`);
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1);
  }
  const maxTokens = values['max-tokens'] !== undefined ? Number(values['max-tokens']) : base.maxTokens;
  return {
    config: values.config,
    json: values.json,
    draw,
    now,
    state: { quota: parseUsed(values.used) },
    request: {
      ...base,
      model: values.model ?? base.model ?? 'auto',
      preferFreeTier: values['prefer-free'] || base.preferFreeTier,
      priority: values.priority ?? base.priority ?? null,
      maxTokens: maxTokens ?? null,
      headers,
    },
  };
}

export function explain(args: string[], io: Io): number {
  const a = parseExplainArgs(args);
  const r = loadPolicy({ path: policyPath(a.config, io), file: a.config ?? 'routes.gw', env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics, r.text));
    return 1;
  }
  // the gateway's state (quota usage, registrations, spend) when it exists; --used entries override it
  const stored = readStoredState(r.table, policyPath(a.config, io), a.now);
  const table = stored?.table ?? r.table;
  if (stored) a.state = { ...stored.snapshot, quota: { ...stored.snapshot.quota, ...a.state.quota } };
  const texts = requestParts(a.request).texts;
  const findings = scanParts(table, texts);
  const request: RouteRequest = { ...a.request, pii: { findings } };
  const d = decide(table, request, a.state, a.now, a.draw);
  const piiLines = findings.map((f) => `${f.type} by ${f.detector} at part ${f.part} offsets ${f.start}-${f.end}: ${maskValue(texts[f.part], f)}`);
  if (a.json) {
    io.out(
      `${JSON.stringify(
        {
          scenario: d.scenario,
          tier: d.tier,
          model: d.model,
          candidates: d.candidates,
          next: d.next,
          pii: {
            detected: d.pii.detected,
            action: d.pii.action,
            findings: findings.map((f) => ({ type: f.type, detector: f.detector, part: f.part, start: f.start, end: f.end, masked: maskValue(texts[f.part], f) })),
          },
          tokens: d.tokens,
          estimate: d.estimate,
          draw: d.draw,
          willingness: d.willingness,
          now: new Date(a.now).toISOString(),
          trace: d.trace,
          ...(d.error ? { error: d.error } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else io.out(renderExplain(table, d, { now: a.now, piiLines }));
  return d.error ? 2 : 0;
}
