import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import type { ChatMessage, RouteRequest, StateSnapshot } from '../runtime/router/types.ts';
import { maskValue } from '../runtime/pii/mask.ts';
import type { ClassifyDeps } from '../runtime/server/pii-gate.ts';
import { explainRun } from '../runtime/server/explain-run.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { renderExplain } from './explain-render.ts';
import { readStoredState } from '../runtime/state/read-state.ts';
import { scrubberFor } from '../runtime/secrets/scrubber.ts';
import { routesAsAuto } from '../runtime/router/messages-model-rule.ts';
import { explainClient } from '../runtime/state/client-explain.ts';
import { runReplay } from '../runtime/replay/replay.ts';
import { readTrafficFile, replayPolicy } from './replay-policy.ts';

export const explainHelp = `gw explain [--config FILE] [--json] [--draw U] [--now ISO-TIME] [--used P/M=TOKENS]...
           [--model NAME] [--prefer-free] [--priority quality] [--max-tokens N] [--header NAME=VALUE]...
           [--endpoint chat|messages|responses] [--classify] [--client NAME] (PROMPT | --file PATH)
gw explain --replay TRAFFIC --at LINE [--config FILE] [--json] [--as-served]
  Dry-run the router on a prompt: which scenario, which tier, every candidate and why, and what follows on failure.
  --file may hold plain text (one user message) or a JSON chat request body ({"messages": […], …}).
  --endpoint messages applies /v1/messages' model-name rule (a Claude Code model name routes as auto).
  --draw fixes the random draw in [0,1) that is compared with the scenario's willingness (default: random).
  --classify asks the policy's PII classifier (pii { classify with M }) as the gateway would; it needs the local
  model running, so by default it is not asked and the trace says so. Personal values are always shown masked.
  --replay TRAFFIC --at LINE replays the traffic file (as gw replay does) up to the request on that line and shows
  its full trace under the policy, with the simulated quotas, spend and clock it met.
  --client NAME routes as that client key would be routed (\`gw keys\` or a \`client\` block): its allowed models and
  scenarios, and its budget as spent so far.`;

interface ExplainArgs {
  request: RouteRequest;
  state: StateSnapshot;
  now: number;
  draw: number;
}

export function parseUsed(list: string[]): StateSnapshot['quota'] {
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

export function parseExplainArgs(args: string[]): ExplainArgs & {
  config?: string;
  json: boolean;
  classify: boolean;
  endpoint: 'chat' | 'messages' | 'responses';
  client?: string;
  replay?: { file: string; line: number; asServed: boolean };
} {
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
      classify: { type: 'boolean', default: false },
      endpoint: { type: 'string', default: 'chat' },
      replay: { type: 'string' },
      at: { type: 'string' },
      'as-served': { type: 'boolean', default: false },
      client: { type: 'string' },
    },
  });
  if (values.endpoint !== 'chat' && values.endpoint !== 'messages' && values.endpoint !== 'responses') throw new UsageError(`--endpoint takes chat, messages or responses, got "${values.endpoint}"`);
  const draw = values.draw !== undefined ? Number(values.draw) : Math.random();
  if (!(draw >= 0 && draw < 1)) throw new UsageError(`--draw takes a number in [0, 1), got "${values.draw}"`);
  const now = values.now !== undefined ? Date.parse(values.now) : Date.now();
  if (Number.isNaN(now)) throw new UsageError(`--now takes an ISO time like 2026-03-10T08:00:00Z, got "${values.now}"`);
  if (values.replay !== undefined) {
    const line = Number(values.at);
    if (!Number.isInteger(line) || line < 1) throw new UsageError(`--replay needs --at LINE, the traffic file's line of the request (from 1), got "${values.at ?? ''}"`);
    return { config: values.config, json: values.json, classify: false, endpoint: 'chat', draw: 0, now: 0, state: {}, request: { model: 'auto', messages: [] }, replay: { file: values.replay, line, asServed: values['as-served'] } };
  }
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
    classify: values.classify,
    endpoint: values.endpoint as 'chat' | 'messages' | 'responses',
    client: values.client,
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

/** What the classifier call needs, loaded only when --classify asks for it. */
async function classifierDeps(env: Io['env']): Promise<ClassifyDeps> {
  const [{ openaiAdapter }, { anthropicAdapter }] = await Promise.all([import('../runtime/providers/openai-adapter.ts'), import('../runtime/providers/anthropic-adapter.ts')]);
  return { adapters: { openai: openaiAdapter, anthropic: anthropicAdapter }, env };
}

/** `--replay FILE --at LINE`: the trace of one replayed request, as `gw replay` decided it. */
function explainReplayed(a: ReturnType<typeof parseExplainArgs>, io: Io): number {
  const { file, line, asServed } = a.replay!;
  const traffic = readTrafficFile(file);
  const keep = traffic.findIndex((r) => r.line === line);
  if (keep === -1) throw new UsageError(`${file} has no request on line ${line}`);
  const table = replayPolicy(policyPath(a.config, io), io, asServed);
  const run = runReplay(table, a.config ?? 'routes.gw', traffic.slice(0, keep + 1), { keep });
  const { decision: d, now } = run.kept!;
  const o = run.outcomes[keep];
  if (a.json) io.out(`${JSON.stringify({ line, at: traffic[keep].at, outcome: o, decision: d }, null, 2)}\n`);
  else {
    io.out(`replayed ${file}:${line} (${traffic[keep].at}), request ${keep + 1} of the replay\n`);
    io.out(renderExplain(table, d, { now, piiLines: [] }));
  }
  return d.error ? 2 : 0;
}

export async function explain(args: string[], cliIo: Io): Promise<number> {
  const a = parseExplainArgs(args);
  if (a.replay) return explainReplayed(a, cliIo);
  let io = cliIo;
  const r = loadPolicy({ path: policyPath(a.config, io), file: a.config ?? 'routes.gw', env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics, r.text));
    return 1;
  }
  // the gateway's state (quota usage, registrations, spend) when it exists; --used entries override it
  const stored = readStoredState(r.table, policyPath(a.config, io), a.now);
  const table = stored?.table ?? r.table;
  // what explain prints never holds a secret of the policy (a classifier error, a prompt that quotes a key)
  const sc = scrubberFor(table, cliIo.env);
  io = { ...cliIo, out: (t) => cliIo.out(sc.text(t)), err: (t) => cliIo.err(sc.text(t)) };
  if (stored) a.state = { ...stored.snapshot, quota: { ...stored.snapshot.quota, ...a.state.quota } };
  if (a.endpoint === 'messages') {
    // /v1/messages' model-name rule: a name the policy does not pin (Claude Code's ids) routes as auto
    const name = a.request.model;
    a.request = { ...a.request, model: routesAsAuto(table, name) ? 'auto' : name, requestedModel: name };
  }
  if (a.client !== undefined) {
    const c = explainClient(table, policyPath(a.config, io), io.env, a.client, a.now);
    if (!c) {
      io.err(`gw explain: no client named "${a.client}" (gw keys list, or a \`client\` block in the policy)\n`);
      return 1;
    }
    a.request = { ...a.request, client: c.route };
    if (c.note) io.err(`note: ${c.note}\n`);
  }
  const run = await explainRun(table, a.request, a.state, a.now, a.draw, { classify: a.classify ? await classifierDeps(io.env) : null, scrubber: sc });
  const { decision: d, texts, findings, classifier, piiLines } = run;
  const classify = table.pii?.classify;
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
            classifier: classify ? (classifier ? { model: classify.model, verdict: classifier.verdict, ms: classifier.ms } : { model: classify.model, verdict: 'not_run' }) : null,
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
