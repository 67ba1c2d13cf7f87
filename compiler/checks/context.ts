import type * as A from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Symbols } from '../symbols.ts';
import type { Catalog } from '../../runtime/catalog/types.ts';
import type { ResolvedModel } from '../catalog-pass.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CheckContext {
  policy: A.Policy;
  symbols: Symbols;
  file: string;
  env: Env;
  /** the catalog the policy was resolved against */
  catalog: Catalog;
  /** the catalog pass's result: every declared model's fields, declared or from the catalog */
  resolved: Map<string, ResolvedModel>;
  /** the clock the date lints use (ms since the epoch) */
  now: number;
}

/** A named checking pass: reads the AST, reports diagnostics, changes nothing. */
export interface CheckPass {
  name: string;
  run(ctx: CheckContext): Diagnostic[];
}
