// A request log of `rows` requests spread evenly over the 30 days before `now` (one in 20 with a logged body), for
// the benches that read the log at scale (bench:logs, bench:console).
import type Database from 'better-sqlite3';
import { packLog } from '../runtime/state/log-compress.ts';

const DAY = 86_400_000;
export const BENCH_MODELS = ['groq/llama-3.1-8b-instant', 'aliyun/qwen3-max-preview', 'openai/gpt-4o', 'deepseek/deepseek-chat', 'siliconflow/Qwen/Qwen2.5-7B-Instruct'];
export const BENCH_SCENARIOS = ['chat', 'code', 'math', 'translation'];

/** Inserts the rows in one transaction; returns how long that took (ms). */
export function fillRequestLog(db: Database.Database, rows: number, now: number): number {
  const t0 = performance.now();
  const row = db.prepare(
    `INSERT INTO requests (id, ts, endpoint, requested_model, model, scenario, tier, status, stream, latency_ms, prompt_tokens, completion_tokens,
      free_tokens, cost_usd, saved_usd, attempts, error_type, pii, body) VALUES (?, ?, 'chat.completions', 'auto', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, ?)`,
  );
  const body = db.prepare('INSERT INTO request_bodies (ts, packed, redacted) VALUES (?, ?, 0)');
  const packed = packLog(['{"model":"auto","messages":[{"role":"user","content":"hello"}]}', '{"choices":[]}', null, '[]']);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const ts = now - 30 * DAY + Math.floor((i * 30 * DAY) / rows);
      const free = i % 3 !== 0;
      const rid = i % 20 === 0 ? body.run(ts, packed).lastInsertRowid : null;
      row.run(`r${i.toString(36)}-${(i * 2654435761) % 1e9}`, ts, BENCH_MODELS[i % BENCH_MODELS.length], BENCH_SCENARIOS[i % BENCH_SCENARIOS.length], free ? 'free' : 'paid', i % 50 === 0 ? 502 : 200, 100 + (i % 400), 250, 60, free ? 310 : 0, free ? 0 : 0.0004, free ? 0.0004 : 0, rid);
    }
  })();
  return performance.now() - t0;
}
