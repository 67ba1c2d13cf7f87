import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DecisionTable } from '../runtime/types/decision-table.ts';
import type { Policy } from './ast.ts';
import { CHECK_PASSES } from './checks/index.ts';
import type { Env } from './checks/context.ts';
import { compile } from './compile.ts';
import { error, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { locAt } from './source.ts';
import { buildSymbols } from './symbols.ts';
import { parsePolicy } from './syntax.ts';
import { validateTable } from './validate.ts';
import { catalogPass } from './catalog-pass.ts';
import { catalogFileFor } from './catalog-file.ts';
import { catalogWithUpdate } from '../runtime/catalog/catalog.ts';
import type { Catalog } from '../runtime/catalog/types.ts';

export interface LoadInput {
  /** a path to read, or the text itself (with `file` naming it in diagnostics) */
  path?: string;
  text?: string;
  file?: string;
  env?: Env;
  /** the catalog to resolve models against; default: the shipped one plus `gw catalog update`'s file, if any */
  catalog?: Catalog;
  /** the clock for date lints (ms since the epoch); default: now */
  now?: number;
}

export interface LoadResult {
  table?: DecisionTable;
  diagnostics: Diagnostic[];
  /** the source as read; diagnostics render against it */
  text: string;
  file: string;
  ast?: Policy;
}

/**
 * The one way to turn a routes.gw into a decision table, shared by `gw check`, `gw explain`, `gw serve` and hot
 * reload: lexer → parser → AST → checks → compile → validate. Never throws: every failure is a diagnostic.
 */
export function loadPolicy(input: LoadInput | string): LoadResult {
  const req: LoadInput = typeof input === 'string' ? { path: input } : input;
  const file = req.file ?? req.path ?? 'routes.gw';
  let text = req.text ?? '';
  try {
    if (req.text === undefined) text = readFileSync(req.path ?? 'routes.gw', 'utf8');
    return run(text, file, req.env ?? process.env, req);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `cannot read ${file}: no such file` : code ? `cannot read ${file}: ${code}` : `internal error: ${(e as Error).message}`;
    return { diagnostics: [error(code ? 'GW001' : 'GW900', file, locAt('', 0, 0), message)], text, file };
  }
}

function run(text: string, file: string, env: Env, req: LoadInput): LoadResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const syntax = parsePolicy(text, file);
  if (!syntax.policy || hasErrors(syntax.diagnostics)) return { diagnostics: sortDiagnostics(syntax.diagnostics), text, file };
  const policy = syntax.policy;
  const symbols = buildSymbols(policy);
  const catalog = req.catalog ?? catalogWithUpdate(catalogFileFor(symbols, req.path, env));
  const ctx = { policy, symbols, file, env, catalog, resolved: catalogPass(symbols.models.values(), catalog), now: req.now ?? Date.now() };
  const diagnostics = [...syntax.diagnostics];
  for (const pass of CHECK_PASSES) diagnostics.push(...pass.run(ctx));
  if (!hasErrors(diagnostics) && ctx.symbols.scenarios.length === 0) {
    diagnostics.push(error('GW111', file, locAt(text, 0, 0), 'the policy declares no scenario: add at least a default `scenario chat { … }`'));
  }
  if (hasErrors(diagnostics)) return { diagnostics: sortDiagnostics(diagnostics), text, file, ast: policy };
  const sha256 = createHash('sha256').update(text).digest('hex');
  const table = compile(ctx, sha256);
  const valid = validateTable(table);
  if (!valid.ok) {
    diagnostics.push(error('GW900', file, locAt(text, 0, 0), `internal error: the compiled table does not match the schema: ${valid.errors.join('; ')}`));
    return { diagnostics: sortDiagnostics(diagnostics), text, file, ast: policy };
  }
  return { table: valid.table, diagnostics: sortDiagnostics(diagnostics), text, file, ast: policy };
}
