import type { DecisionTable } from '../runtime/types/decision-table.ts';
import { tableValidator } from './table-validator.ts';

/** ajv validation of a compiled table against schema/decision-table.schema.json: the contract between compiler and runtime. */
export function validateTable(table: unknown): { ok: true; table: DecisionTable } | { ok: false; errors: string[] } {
  const validator = tableValidator();
  if (validator(table)) return { ok: true, table: table as DecisionTable };
  return { ok: false, errors: (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()) };
}
