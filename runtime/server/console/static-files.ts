import { readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FastResponse } from 'srvx';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map', '.webmanifest']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Where the built console is: dist/console/ beside the compiled gateway, or under the repository's dist/ from the sources. */
export function defaultConsoleDir(): string {
  return fileURLToPath(process.env.GW_COMPILED === '1' ? new URL('./console/', import.meta.url) : new URL('../../../dist/console/', import.meta.url));
}

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzip: Buffer | null;
}

/**
 * The console's files from its build directory: `/console/assets/<hashed>` cached for a year (immutable), any other
 * file as it is, and every other page path (the app's history routes) answered with index.html, never cached. A
 * missing build answers 503 text. Files are read once and kept (gzipped too) until their mtime changes.
 */
export function staticFiles(dir: string = defaultConsoleDir()) {
  const root = resolve(dir);
  const cache = new Map<string, Cached>();
  const read = (path: string): Cached | null => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = readFileSync(path);
    const c: Cached = { mtimeMs: st.mtimeMs, size: st.size, body, gzip: COMPRESSIBLE.has(extname(path)) && body.length > 1024 ? gzipSync(body) : null };
    cache.set(path, c);
    return c;
  };
  const send = (req: Request, path: string, c: Cached, cacheControl: string) => {
    const gz = c.gzip && /\bgzip\b/.test(req.headers.get('accept-encoding') ?? '');
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (gz) headers['content-encoding'] = 'gzip';
    if (extname(path) === '.html') {
      headers['x-frame-options'] = 'DENY';
      headers['referrer-policy'] = 'same-origin';
    }
    return new FastResponse(req.method === 'HEAD' ? null : new Uint8Array(gz ? c.gzip! : c.body), { status: 200, headers });
  };
  return (req: Request, pathname: string): Response => {
    const index = join(root, 'index.html');
    const page = read(index);
    if (!page) return new FastResponse('console not built: run npm run build\n', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
    let rest = pathname.slice('/console'.length).replace(/^\/+/, '');
    try {
      rest = decodeURIComponent(rest);
    } catch {
      rest = '';
    }
    if (rest !== '' && !rest.includes('\0')) {
      const file = resolve(root, rest);
      if (file.startsWith(root + sep)) {
        const c = read(file);
        if (c) return send(req, file, c, rest.startsWith('assets/') ? IMMUTABLE : 'no-cache');
        if (rest.startsWith('assets/')) return new FastResponse('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      }
    }
    return send(req, index, page, 'no-cache');
  };
}
