/** One row of GET /console/api/logs (and of the `log` live event). */
export interface LogRow {
  id: string;
  ts: string;
  endpoint: string;
  model: string | null;
  scenario: string | null;
  tier: string | null;
  status: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  client: string | null;
}

/** A step of a decision trace with the routes.gw line it came from. */
export interface TraceLine {
  text: string;
  line: number | null;
}
