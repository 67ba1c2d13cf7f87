// Preload (`node --import ./bench/loop-hold.mjs …`) measuring how long the event loop is held, in CPU time: a 1 ms
// interval reads process.cpuUsage() on each tick, and the CPU spent between two ticks is what ran in between without
// giving the loop back. Unlike a wall-clock probe it does not grow when other processes take the cores (the figure a
// /health probe would see on an idle core). SIGUSR2 writes `loop-hold <max ms>` to stderr and starts a new maximum.
// The CPU of the process's other threads (GC helpers, the log writer) in the same millisecond counts too: an upper bound.
import { writeSync } from 'node:fs';

let last = process.cpuUsage();
let max = 0;
setInterval(() => {
  const u = process.cpuUsage();
  const ms = (u.user - last.user + u.system - last.system) / 1000;
  if (ms > max) max = ms;
  last = u;
}, 1).unref();
process.on('SIGUSR2', () => {
  writeSync(2, `loop-hold ${max.toFixed(1)}\n`);
  max = 0;
});
