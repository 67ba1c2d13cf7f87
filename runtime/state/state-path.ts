import { dirname, isAbsolute, resolve } from 'node:path';
import type { DecisionTable } from '../types/decision-table.ts';

/** The state database's path: `gateway { state … }`, relative to the policy file's folder. */
export function statePath(table: DecisionTable, policyPath: string): string {
  const p = table.gateway.state;
  if (p === ':memory:' || isAbsolute(p)) return p;
  return resolve(dirname(policyPath), p);
}
