// Preload (`node --import ./bench/loop-hold.mjs …`) measuring how long the event loop is held, in CPU time: a 1 ms
// interval reads the main thread's CPU time on each tick, and the CPU spent between two ticks is what ran in between
// without giving the loop back. Unlike a wall-clock probe it does not grow when other processes take the cores (it is
// what a /health probe would wait on an idle core). The main thread's own time comes from Linux's
// /proc/self/task/<pid>/schedstat (ns); elsewhere process.cpuUsage(), which also counts the other threads (the log
// writer, GC helpers): an upper bound. SIGUSR2 writes `loop-hold <max ms>` to stderr and starts a new maximum.
import { readFileSync, writeSync } from 'node:fs';

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function mainThreadMs() {
  try {
    return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

let last = mainThreadMs();
let max = 0;
setInterval(() => {
  const now = mainThreadMs();
  if (now - last > max) max = now - last;
  last = now;
}, 1).unref();
process.on('SIGUSR2', () => {
  writeSync(2, `loop-hold ${max.toFixed(1)}\n`);
  max = 0;
});
