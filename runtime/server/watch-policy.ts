import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { PolicyHolder } from './policy-holder.ts';
import type { Logger } from '../log/logger.ts';

export interface WatchOptions {
  /** how long the file's size must stay the same before it is read (chokidar's awaitWriteFinish) */
  settleMs?: number;
  /** the pause between the two reads that must agree before a text is compiled */
  verifyMs?: number;
}

/** One read of the file: its text and what stat said right after. */
function readWhole(path: string): { text: string; size: number; mtimeMs: number } | null {
  try {
    const buf = readFileSync(path);
    const st = statSync(path);
    return { text: buf.toString('utf8'), size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null; // gone between the event and the read (a save by rename in progress): the next event brings it
  }
}

/**
 * Watch the policy file and reload when it changes, only ever compiling the file as a whole: chokidar waits until its
 * size has settled (awaitWriteFinish), then the file is read twice `verifyMs` apart; only a text that is the same in
 * both reads, and as long as the file is, is compiled. A file still being written (a slow writer, an editor flushing
 * in parts) changes between the reads and is read again on its next event, so a first part that happens to be a
 * valid policy is never served. The directory is watched, not the file, so saves that replace the file (write a temp
 * file and rename it over, or move the old one away and write anew) are seen too. A failing reload keeps the last
 * good table; the watcher keeps running whatever happens.
 */
export function watchPolicy(holder: PolicyHolder, log: Logger, opts: WatchOptions = {}): { close(): Promise<void>; ready: Promise<void> } {
  const settleMs = opts.settleMs ?? 200;
  const verifyMs = opts.verifyMs ?? 50;
  const file = resolve(holder.path);
  const name = basename(file);
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const schedule = (ms: number) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(first, ms);
  };
  let pending: { text: string; size: number; mtimeMs: number } | null = null;
  const first = () => {
    timer = null;
    pending = readWhole(file);
    if (!pending) return;
    timer = setTimeout(second, verifyMs);
  };
  const second = () => {
    timer = null;
    const a = pending;
    pending = null;
    const b = readWhole(file);
    if (!a || !b) return;
    if (a.text !== b.text || a.size !== b.size || a.mtimeMs !== b.mtimeMs || Buffer.byteLength(b.text) !== b.size) {
      schedule(settleMs); // still being written: try again once it settles
      return;
    }
    try {
      holder.reload(b.text);
    } catch (e) {
      log.error(`policy reload failed unexpectedly: ${(e as Error).message}`);
    }
  };
  const w: FSWatcher = watch(dirname(file), {
    ignoreInitial: true,
    depth: 0,
    atomic: true,
    awaitWriteFinish: { stabilityThreshold: settleMs, pollInterval: Math.max(10, Math.round(settleMs / 4)) },
    ignored: (p: string) => p !== dirname(file) && basename(p) !== name,
  });
  const mine = (p: string) => resolve(p) === file;
  w.on('change', (p) => mine(p) && schedule(0))
    .on('add', (p) => mine(p) && schedule(0))
    .on('unlink', (p) => mine(p) && log.warn(`policy ${holder.path} was removed; still serving the last good table`));
  w.on('error', (e) => log.error(`policy watcher: ${(e as Error).message}`));
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await w.close();
    },
  };
}
