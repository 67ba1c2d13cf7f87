import type { Loc } from './source.ts';

export type Severity = 'error' | 'warning';

export interface DiagnosticNote {
  message: string;
  /** where the note points (e.g. the declaration a did-you-mean names); the file is the diagnostic's own */
  loc?: Loc;
}

export interface Diagnostic {
  code: string; // GWnnn, stable: tests and editors key on it
  severity: Severity;
  message: string;
  file: string;
  loc: Loc;
  notes: DiagnosticNote[];
}

export function error(code: string, file: string, loc: Loc, message: string, notes: DiagnosticNote[] = []): Diagnostic {
  return { code, severity: 'error', message, file, loc, notes };
}

export function warning(code: string, file: string, loc: Loc, message: string, notes: DiagnosticNote[] = []): Diagnostic {
  return { code, severity: 'warning', message, file, loc, notes };
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) => a.loc.offset - b.loc.offset || a.loc.endOffset - b.loc.endOffset || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
