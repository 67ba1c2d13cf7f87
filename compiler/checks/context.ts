import type * as A from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Symbols } from '../symbols.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CheckContext {
  policy: A.Policy;
  symbols: Symbols;
  file: string;
  env: Env;
}

/** A named checking pass: reads the AST, reports diagnostics, changes nothing. */
export interface CheckPass {
  name: string;
  run(ctx: CheckContext): Diagnostic[];
}
