/**
 * The hourly rollup of the requests table: one row per (UTC hour, model, scenario, tier, client, status class) with
 * the sums /stats, /report and the console's overview read, so they scan a few thousand rollup rows instead of every
 * request of the period. NULL model/scenario/tier/client are kept as '' (a key column must not be NULL for the
 * upsert to find its row); readers turn '' back into NULL. Two triggers keep it exact in the same transaction as the
 * requests row: an insert adds, a delete (retention) subtracts and drops a row that counts nothing any more.
 */
export const HOUR_MS = 3_600_000;

const COLUMNS = ['hour', 'model', 'scenario', 'tier', 'client', 'status_class'];
const KEY = COLUMNS.join(', ');
/** The rollup key of a requests row `p` (`NEW.`, `OLD.`, or '' for the table's own columns), in the key's order. */
const keyValues = (p: string) => [
  `${p}ts - ${p}ts % ${HOUR_MS}`,
  `COALESCE(${p}model, '')`,
  `COALESCE(${p}scenario, '')`,
  `COALESCE(${p}tier, '')`,
  `COALESCE(${p}client, '')`,
  `${p}status / 100`,
];
export const ROLLUP_KEY_OF = (p: string) => keyValues(p).join(', ');
const MATCH = (p: string) => keyValues(p).map((v, i) => `${COLUMNS[i]} = ${v}`).join(' AND ');

export const ROLLUP_SCHEMA = `CREATE TABLE IF NOT EXISTS request_rollups (
     hour INTEGER NOT NULL,
     model TEXT NOT NULL,
     scenario TEXT NOT NULL,
     tier TEXT NOT NULL,
     client TEXT NOT NULL,
     status_class INTEGER NOT NULL,
     requests INTEGER NOT NULL,
     prompt_tokens INTEGER NOT NULL,
     completion_tokens INTEGER NOT NULL,
     free_tokens INTEGER NOT NULL,
     cost_usd REAL NOT NULL,
     saved_usd REAL NOT NULL,
     errors INTEGER NOT NULL,
     latency_ms REAL NOT NULL,
     PRIMARY KEY (${KEY})
   ) WITHOUT ROWID;
   CREATE TRIGGER IF NOT EXISTS requests_rollup_add AFTER INSERT ON requests BEGIN
     INSERT INTO request_rollups VALUES (${ROLLUP_KEY_OF('NEW.')}, 1, NEW.prompt_tokens, NEW.completion_tokens, NEW.free_tokens,
       NEW.cost_usd, NEW.saved_usd, NEW.status >= 400, NEW.latency_ms)
     ON CONFLICT (${KEY}) DO UPDATE SET requests = requests + 1, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
       completion_tokens = completion_tokens + excluded.completion_tokens, free_tokens = free_tokens + excluded.free_tokens,
       cost_usd = cost_usd + excluded.cost_usd, saved_usd = saved_usd + excluded.saved_usd, errors = errors + excluded.errors,
       latency_ms = latency_ms + excluded.latency_ms;
   END;
   CREATE TRIGGER IF NOT EXISTS requests_rollup_remove AFTER DELETE ON requests BEGIN
     UPDATE request_rollups SET requests = requests - 1, prompt_tokens = prompt_tokens - OLD.prompt_tokens,
       completion_tokens = completion_tokens - OLD.completion_tokens, free_tokens = free_tokens - OLD.free_tokens,
       cost_usd = cost_usd - OLD.cost_usd, saved_usd = saved_usd - OLD.saved_usd, errors = errors - (OLD.status >= 400),
       latency_ms = latency_ms - OLD.latency_ms
     WHERE ${MATCH('OLD.')};
     DELETE FROM request_rollups WHERE ${MATCH('OLD.')} AND requests <= 0;
   END;`;
