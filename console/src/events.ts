// The gateway's live feed (GET /console/api/events, server-sent events): one EventSource for the app, handlers by event.
type Handler = (data: unknown) => void;

const handlers = new Map<string, Set<Handler>>();
let source: EventSource | null = null;

function dispatch(type: string, e: MessageEvent): void {
  let data: unknown;
  try {
    data = JSON.parse(e.data as string);
  } catch {
    return;
  }
  for (const h of handlers.get(type) ?? []) h(data);
}

let wanted = false;

export function startEvents(): void {
  wanted = true;
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/console/api/events', { withCredentials: true });
  for (const type of ['stats', 'log', 'policy']) source.addEventListener(type, (e) => dispatch(type, e as MessageEvent));
}

export function stopEvents(): void {
  wanted = false;
  closeSource();
}

function closeSource(): void {
  source?.close();
  source = null;
}

// A page left for another (or put in the back-forward cache) closes its stream: an open one would keep holding one of
// the browser's few connections to the gateway (six per host over HTTP/1.1) after the page is gone from view.
window.addEventListener('pagehide', closeSource);
window.addEventListener('pageshow', (e) => {
  if (e.persisted && wanted) startEvents();
});

/** Subscribe to an event type; returns the unsubscribe. */
export function onEvent(type: 'stats' | 'log' | 'policy', h: Handler): () => void {
  let set = handlers.get(type);
  if (!set) handlers.set(type, (set = new Set()));
  set.add(h);
  return () => set!.delete(h);
}
