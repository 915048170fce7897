// A fake of the host's HTTP API for page tests: answers by method and path, and records every request.
import { vi } from 'vitest';

export interface Recorded { method: string; url: URL; body: unknown }

type Handler = (url: URL, body: unknown) => unknown;

/** Replaces fetch: `routes` maps "GET /api/..." (path only) to a JSON answer or a function of the URL and body. */
export function fakeApi(routes: Record<string, unknown>) {
  const requests: Recorded[] = [];
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://localhost');
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method, url, body });
    const route = routes[`${method} ${url.pathname}`];
    if (route === undefined) {
      return new Response(JSON.stringify({ title: 'Not found', status: 404 }), { status: 404 });
    }
    const answer = typeof route === 'function' ? (route as Handler)(url, body) : route;
    return new Response(answer === null ? '' : JSON.stringify(answer), { status: answer === null ? 202 : 200 });
  });
  vi.stubGlobal('fetch', fetch);
  return requests;
}
