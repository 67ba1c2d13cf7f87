import { createServer } from 'node:net';
import { listen, type Listener } from 'listhen';
import { toNodeHandler } from 'h3/node';
import type { Gateway } from './app.ts';

/** Serve the gateway over HTTP with listhen (no tunnel, no QR code, no clipboard: a plain local listener). */
export async function serveGateway(gw: Gateway, port: number, hostname: string): Promise<Listener> {
  // listhen would print "Using alternative port" and move: find out first, quietly
  if (port !== 0 && !(await portFree(port, hostname))) throw portTaken(port, hostname);
  const listener = await listen(toNodeHandler(gw.app) as never, {
    port,
    hostname,
    showURL: false,
    open: false,
    clipboard: false,
    qr: false,
    public: false,
    tunnel: false,
    autoClose: false,
    isTest: false,
  });
  const actual = (listener.address as { port?: number }).port;
  if (port !== 0 && actual !== port) {
    // listhen falls back to another port when the one asked for is taken: a gateway must not move silently.
    await listener.close();
    throw portTaken(port, hostname);
  }
  return listener;
}

function portTaken(port: number, hostname: string): Error {
  return Object.assign(new Error(`port ${port} on ${hostname} is already in use (another gw, or another program); stop it or pass --port N`), { code: 'EADDRINUSE' });
}

/** Whether `port` can be bound on `hostname` now. */
function portFree(port: number, hostname: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, hostname, () => probe.close(() => resolve(true)));
  });
}
