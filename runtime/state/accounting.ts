import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision, StateSnapshot } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import type { Failure } from '../providers/failure.ts';
import type { KnownPii } from './redact-log.ts';

/** Tokens held against a free quota while a request is in flight; settled to the real usage or released. */
export interface Reservation {
  model: string;
  /** start of the quota period the tokens count in (epoch ms; 0 for a `once` quota) */
  periodStart: number;
  tokens: number;
  /** the request used the model as a free model (its quota pays) */
  free: boolean;
}

/**
 * What the request path needs of the ledger. The router reads a snapshot; a chosen free model gets its estimate
 * reserved in the same tick (no await between decide and reserve), so concurrent requests cannot overspend a quota by
 * more than the estimates in flight.
 */
export interface Accounting {
  snapshot(table: DecisionTable, now: number): StateSnapshot;
  reserve(table: DecisionTable, decision: Decision, now: number): Reservation | null;
  /** the real usage is known: replace the estimate (null usage: keep the estimate as spent) */
  settle(r: Reservation | null, usage: Usage | null): void;
  release(r: Reservation | null): void;
  /** the provider said the quota is gone: exhausted until its next reset */
  failed(table: DecisionTable, model: string, f: Failure, now: number): void;
}

/** One finished request, as the ledger records it (logs, stats, reports, spend). */
export interface CompletedRequest {
  id: string;
  startedAt: number;
  endpoint: 'chat.completions' | 'messages' | 'responses' | 'embeddings';
  stream: boolean;
  /** the client's body, as received (the ledger redacts what PII detection flagged) */
  requestBody: unknown;
  /** the text `requestBody` was parsed from, when nothing in it is to be masked: the log keeps it instead of serialising the body again */
  requestText?: string | null;
  /** strings of `requestBody` already scanned for every PII type, with their findings (the log masks them without a second scan) */
  piiKnown?: KnownPii | null;
  /** the answer as sent: JSON text, or the SSE text of a stream (capped) */
  responseBody: string | null;
  requestedModel: string;
  decision: Decision | null;
  /** provider/model that answered, or null */
  model: string | null;
  status: number;
  attempts: { provider: string; model: string; ok: boolean; type?: string; status?: number | null; message?: string; ms: number }[];
  usage: Usage | null;
  latencyMs: number;
  error: { type: string; message: string } | null;
  reservation: Reservation | null;
  /** the client key's name, when the request came with one */
  client?: string | null;
  /** the client's holds (tpm, budget), settled when the request is recorded */
  ticket?: { finish(totalTokens: number | null, cost: number, startedAt: number): void } | null;
}

/** Where finished requests go: settle the reservation, count spend, write the log. Must not throw. */
export interface Recorder {
  complete(table: DecisionTable, req: CompletedRequest): void;
}
