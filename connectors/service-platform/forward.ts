import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';

/** Headers the platform consumes or that belong to one hop only: never passed on. */
const notForwarded = new Set(['authorization', 'service-code', 'host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization']);

export interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string>;
  bytes: Buffer;
}

/** Copies the headers that may cross the platform, in either direction. */
export function passableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || notForwarded.has(name.toLowerCase())) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Sends one call on to the system behind the platform, body bytes as they came, and reads its whole answer. */
export async function forwardToUpstream(url: string, method: string, headers: IncomingHttpHeaders, body: Buffer | undefined, timeoutMs: number): Promise<UpstreamAnswer> {
  const res = await request(url, {
    method: method as 'GET',
    headers: passableHeaders(headers),
    body: body && body.length > 0 ? body : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { statusCode: res.statusCode, headers: passableHeaders(res.headers), bytes };
}
