import { watch, type FSWatcher } from 'chokidar';
import type { PolicyHolder } from './policy-holder.ts';
import type { Logger } from './log.ts';

/**
 * Watch the policy file and reload on every change (editors that save by rename included). A failing reload keeps
 * the last good table; the watcher keeps running whatever happens.
 */
export function watchPolicy(holder: PolicyHolder, log: Logger, debounceMs = 50): { close(): Promise<void>; ready: Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    timer = null;
    try {
      holder.reload();
    } catch (e) {
      log.error(`policy reload failed unexpectedly: ${(e as Error).message}`);
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };
  const w: FSWatcher = watch(holder.path, { ignoreInitial: true, atomic: true, awaitWriteFinish: false });
  w.on('change', schedule).on('add', schedule).on('unlink', () => log.warn(`policy ${holder.path} was removed; still serving the last good table`));
  w.on('error', (e) => log.error(`policy watcher: ${(e as Error).message}`));
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      if (timer) clearTimeout(timer);
      await w.close();
    },
  };
}
