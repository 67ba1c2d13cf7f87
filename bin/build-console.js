// The console's build (console/ → dist/console/, Vite): run by bin/build.js after the CLI's, into its own directory
// so nothing of it is loaded by `gw` itself. Skipped with a note when Vite is not installed (npm ci --omit=dev).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export async function buildConsole(root) {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('console: vite is not installed (a production install): dist/console/ not built, /console answers 503');
    return false;
  }
  const configFile = join(root, 'console', 'vite.config.ts');
  if (!existsSync(configFile)) return false;
  await vite.build({ configFile, logLevel: 'warn' });
  return true;
}
