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

export function startEvents(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/console/api/events', { withCredentials: true });
  for (const type of ['stats', 'log', 'policy']) source.addEventListener(type, (e) => dispatch(type, e as MessageEvent));
}

export function stopEvents(): void {
  source?.close();
  source = null;
}

/** Subscribe to an event type; returns the unsubscribe. */
export function onEvent(type: 'stats' | 'log' | 'policy', h: Handler): () => void {
  let set = handlers.get(type);
  if (!set) handlers.set(type, (set = new Set()));
  set.add(h);
  return () => set!.delete(h);
}
