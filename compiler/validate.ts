import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecisionTable } from '../runtime/types/decision-table.ts';

const schemaPath = fileURLToPath(new URL('../schema/decision-table.schema.json', import.meta.url));
export const decisionTableSchema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;

let validator: ReturnType<Ajv['compile']> | null = null;

/** ajv validation of a compiled table against schema/decision-table.schema.json: the contract between compiler and runtime. */
export function validateTable(table: unknown): { ok: true; table: DecisionTable } | { ok: false; errors: string[] } {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(decisionTableSchema);
  if (validator(table)) return { ok: true, table: table as DecisionTable };
  return { ok: false, errors: (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()) };
}
