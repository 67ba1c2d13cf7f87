// The `gw` command's entry: compiled to dist/gw.js (bin/build.js), run by bin/gw.js; tests run it from the sources
// with `node --import tsx cli/gw.ts`.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
