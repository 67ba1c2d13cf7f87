import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadPolicy } from '../../../compiler/load-policy.ts';
import { diagnosticsJson, formatReport } from '../../../compiler/format-diagnostics.ts';
import { hasErrors, type Diagnostic } from '../../../compiler/diagnostics.ts';
import type { Env } from '../../providers/keys.ts';
import type { PolicyHolder } from '../policy-holder.ts';
import { consoleError } from './console-errors.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The console's diagnostics: gw check --format json's entries. */
const diagnosticList = (ds: readonly Diagnostic[]) => (diagnosticsJson(ds) as { diagnostics: unknown[] }).diagnostics;

/** The policy file as it is on disk now, and its sha256 (what a save must name). */
function readPolicy(path: string): { text: string; hash: string } {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    /* gone: an empty text, whose hash a save can still name */
  }
  return { text, hash: sha256(text) };
}

/** The text compiled as `gw check` compiles it (loadPolicy, under the policy file's own name). */
export function checkText(holder: PolicyHolder, env: Env, text: string) {
  const r = loadPolicy({ text, file: basename(holder.path), env });
  return { result: r, diagnostics: diagnosticList(r.diagnostics), broken: !r.table || hasErrors(r.diagnostics) };
}

/** GET /console/api/policy: the file, its hash, the generation serving, the last reload's outcome, the file's diagnostics. */
export function policyBody(holder: PolicyHolder, env: Env) {
  const { text, hash } = readPolicy(holder.path);
  const { generation, loadedAt } = holder.current;
  const err = holder.lastError;
  return {
    path: holder.path,
    text,
    hash,
    generation,
    last_reload: err ? { ok: false, at: new Date(err.at).toISOString(), report: err.report } : { ok: true, at: new Date(loadedAt).toISOString(), report: null },
    diagnostics: checkText(holder, env, text).diagnostics,
  };
}

/** Write `text` over `path` atomically: a temporary file beside it (same mode), flushed, renamed over the old one. */
function writeAtomic(path: string, text: string): void {
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    /* a new file */
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

/**
 * PUT /console/api/policy: save an edited policy. 409 when `hash` is not the file's current hash (someone else saved
 * meanwhile); 422 with the diagnostics when the text does not compile (the file is not touched); else the file is
 * replaced atomically and reloaded at once (the watcher then sees an unchanged text), and the outcome reported.
 */
export function savePolicy(holder: PolicyHolder, env: Env, body: Record<string, unknown>) {
  if (typeof body.text !== 'string') throw consoleError(400, 'send {"text": "<routes.gw>", "hash": "<the hash GET /console/api/policy gave>"}', 'invalid_value', { param: 'text' });
  if (typeof body.hash !== 'string') throw consoleError(400, 'send the hash of the text you edited (GET /console/api/policy)', 'invalid_value', { param: 'hash' });
  const current = readPolicy(holder.path);
  if (body.hash !== current.hash) throw consoleError(409, 'the policy file changed since it was read: reload it and apply your edit again', 'hash_mismatch', { hash: current.hash });
  const check = checkText(holder, env, body.text);
  if (check.broken) {
    throw consoleError(422, 'the policy has errors: not saved, the gateway keeps serving the file as it was', 'policy_errors', {
      diagnostics: check.diagnostics,
      report: formatReport(check.result.diagnostics, check.result.text),
    });
  }
  writeAtomic(holder.path, body.text);
  const before = holder.current.generation;
  holder.reload(body.text);
  const err = holder.lastError;
  return {
    ok: err === null,
    saved: true,
    hash: sha256(body.text),
    generation: holder.current.generation,
    reloaded: holder.current.generation !== before,
    diagnostics: check.diagnostics,
    report: err ? err.report : check.result.diagnostics.length ? formatReport(check.result.diagnostics, check.result.text) : null,
  };
}
