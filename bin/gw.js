#!/usr/bin/env node
// The `gw` command: runs the compiled output in dist/ (built by `npm install` through the `prepare` script, or
// `npm run build`). From the sources, for development: `node --import tsx cli/gw.ts`.
try {
  await import('../dist/gw.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  process.stderr.write('gw: dist/ is missing: run `npm run build` (npm install runs it through `prepare`)\n');
  process.exitCode = 1;
}
