// The playground's only way to the server: same-origin fetch with the API key (if any) as a Bearer header.
// The live view reads Server-Sent Events through fetch too, since EventSource cannot send that header.

const KEY_ITEM = 'fusion.playground.apiKey';

/** The API key of this tab (session storage only: gone when the tab closes, never sent anywhere else). */
export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

/** An error answer of the API (the OpenAI error shape), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || (status ? `The server answered ${status}.` : 'The server could not be reached.'));
    this.status = status;
    this.code = error?.code || null;
    this.param = error?.param || null;
    this.type = error?.type || null;
  }

  get unauthorized() {
    return this.status === 401;
  }
}

function headers(extra) {
  const h = new Headers(extra || {});
  const key = apiKey();
  if (key) h.set('Authorization', 'Bearer ' + key);
  return h;
}

async function send(path, { method = 'GET', json, body, contentType, accept, signal } = {}) {
  const h = headers();
  if (json !== undefined) {
    h.set('content-type', 'application/json');
    body = JSON.stringify(json);
  } else if (contentType) {
    h.set('content-type', contentType);
  }
  if (accept) h.set('accept', accept);
  let res;
  try {
    res = await fetch(path, { method, headers: h, body, signal, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null);
  }
  if (!res.ok) {
    let error = null;
    try {
      error = (await res.json()).error;
    } catch {
      // not JSON: the status says enough
    }
    throw new ApiError(res.status, error);
  }
  return res;
}

/** A JSON call: the parsed body, or an ApiError. */
export async function call(path, options) {
  const res = await send(path, options);
  return res.status === 204 ? null : res.json();
}

/** A call whose body is read as a Blob (batch results). */
export async function blob(path) {
  return (await send(path)).blob();
}

export const TERMINAL = new Set(['response.completed', 'response.failed', 'response.cancelled']);

/**
 * The events of a job, replayed from the start then live, until its terminal event: calls onEvent(type,
 * data, id) for each. Reconnects after a dropped stream with Last-Event-ID (each event arrives once), and
 * waits a moment while the server has not read a job just submitted yet (404).
 */
export async function followEvents(jobId, onEvent, signal) {
  let lastId = null;
  let notFound = 0;
  let drops = 0;
  for (;;) {
    let res;
    try {
      const h = headers({ accept: 'text/event-stream' });
      if (lastId !== null) h.set('Last-Event-ID', lastId);
      res = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`,
        { headers: h, signal, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (++drops > 5) throw new ApiError(0, null);
      await pause(500 * drops, signal);
      continue;
    }
    if (res.status === 404 && lastId === null && ++notFound < 20) {
      await pause(250, signal);
      continue;
    }
    if (!res.ok) {
      let error = null;
      try { error = (await res.json()).error; } catch { /* not JSON */ }
      throw new ApiError(res.status, error);
    }
    let ended = false;
    try {
      for await (const ev of readSse(res.body)) {
        if (ev.id !== null) lastId = ev.id;
        let data = null;
        try { data = JSON.parse(ev.data); } catch { continue; }
        onEvent(ev.event, data?.data ?? {}, ev.id);
        if (TERMINAL.has(ev.event)) ended = true;
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
    }
    if (ended || signal?.aborted) return;
    if (++drops > 5) throw new ApiError(0, null);
    await pause(500 * drops, signal);
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

/** Server-Sent Events from a byte stream: {id, event, data} per dispatched event (comments skipped). */
async function* readSse(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let id = null;
  let event = 'message';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let nl;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length) yield { id, event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let v = colon < 0 ? '' : line.slice(colon + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'data') data.push(v);
      else if (field === 'event') event = v;
      else if (field === 'id') id = v;
    }
  }
}
