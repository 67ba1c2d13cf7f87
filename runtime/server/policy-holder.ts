import { loadPolicy } from '../../compiler/load-policy.ts';
import { formatReport } from '../../compiler/format-diagnostics.ts';
import { hasErrors, type Diagnostic } from '../../compiler/diagnostics.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import type { Logger } from '../log/logger.ts';

export interface LoadedPolicy {
  table: DecisionTable;
  generation: number;
  loadedAt: number;
}

export interface LoadFailure {
  at: number;
  diagnostics: { file: string; line: number; col: number; code: string; severity: string; message: string }[];
  report: string;
}

/**
 * The policy the gateway serves. A reload goes through `loadPolicy`; a clean result replaces the table in one
 * assignment (requests already running keep the table they started with); a failing one leaves the last good table
 * serving and records the diagnostics.
 */
export class PolicyHolder {
  private loaded: LoadedPolicy | null = null;
  /** the compiled table before `transform` (registered quotas are applied on top of it) */
  private base: DecisionTable | null = null;
  private transform: (t: DecisionTable) => DecisionTable = (t) => t;
  lastError: LoadFailure | null = null;
  readonly path: string;
  private env: Env;
  private log: Logger;
  private file: string;

  constructor(path: string, env: Env, log: Logger, file?: string) {
    this.path = path;
    this.env = env;
    this.log = log;
    this.file = file ?? path;
  }

  get current(): LoadedPolicy {
    if (!this.loaded) throw new Error('no policy loaded');
    return this.loaded;
  }

  get ready(): boolean {
    return this.loaded !== null;
  }

  /** Layer run-time state (registered quotas) over every compiled table; applied now and on each reload. */
  setTransform(fn: (t: DecisionTable) => DecisionTable): void {
    this.transform = fn;
    this.refresh();
  }

  /** Re-apply the transform to the current compiled table (after a quota registration). */
  refresh(): void {
    if (this.loaded && this.base) this.loaded = { ...this.loaded, table: this.applyTransform(this.base) };
  }

  private applyTransform(t: DecisionTable): DecisionTable {
    try {
      return this.transform(t);
    } catch (e) {
      this.log.error(`registered quotas could not be applied: ${(e as Error).message}`);
      return t;
    }
  }

  /**
   * Load (or reload) the policy file, or `text` when the caller has read it whole (the watcher). Returns true when a
   * new table is serving. Never throws. `force`: serve the new table even when the file is unchanged (the environment
   * changed: a secret set in the key vault).
   */
  reload(text?: string, force = false): boolean {
    const r = loadPolicy(text === undefined ? { path: this.path, file: this.file, env: this.env } : { text, file: this.file, env: this.env });
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    if (!r.table || hasErrors(r.diagnostics)) {
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      this.lastError = { at: Date.now(), diagnostics: errors.map(flatDiagnostic), report: formatReport(errors, r.text) };
      const keeping = this.loaded ? `keeping generation ${this.loaded.generation}` : 'nothing to serve yet';
      this.log.error(`policy ${this.file} has ${errors.length} error(s); ${keeping}\n${this.lastError.report}`);
      return false;
    }
    const generation = (this.loaded?.generation ?? 0) + 1;
    if (!force && this.loaded && this.loaded.table.source.sha256 === r.table.source.sha256 && this.lastError === null) return false;
    this.base = r.table;
    this.loaded = { table: this.applyTransform(r.table), generation, loadedAt: Date.now() };
    this.lastError = null;
    this.log.info(`policy ${this.file} loaded: generation ${generation}, sha256 ${r.table.source.sha256.slice(0, 12)}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
    return true;
  }
}

function flatDiagnostic(d: Diagnostic) {
  return { file: d.file, line: d.loc.line, col: d.loc.col, code: d.code, severity: d.severity, message: d.message };
}
