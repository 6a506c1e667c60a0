import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminConfig, adminTokens, makeDeadLetter, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(async () => {
  await t?.close();
});

async function ticket(token = adminTokens.viewer): Promise<string> {
  const res = await fetch(`${t.url}/admin/api/stream-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ticket: string; role: string; expiresInSeconds: number };
  expect(body).toMatchObject({ role: token === adminTokens.viewer ? 'viewer' : 'operator', expiresInSeconds: 30 });
  return body.ticket;
}

/** Reads `board` events from an open stream until one satisfies `ok`. */
async function nextBoard(reader: ReadableStreamDefaultReader<Uint8Array>, ok: (board: any) => boolean): Promise<any> {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^event: board\ndata: (.*)$/s.exec(event)?.[1];
      if (data && ok(JSON.parse(data))) return JSON.parse(data);
    }
  }
}

it('the live stream opens with a one-time ticket, and pushes a dead letter as it happens', async () => {
  const once = await ticket();
  const controller = new AbortController();
  const res = await fetch(`${t.url}/admin/api/stream?ticket=${once}`, { signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const first = await nextBoard(reader, () => true);
  const portal = (b: any) => b.destinations.find((d: any) => d.destination === 'national-portal');
  expect(portal(first).deadLetters.count).toBe(0);
  expect(portal(first).lastHour).toEqual({ finished: 0, dead: 0 });

  await makeDeadLetter(t, 422);
  const later = await nextBoard(reader, (b) => portal(b).deadLetters.count === 1);
  expect(portal(later).deadLetters.newestAt).toEqual(expect.any(String));
  expect(portal(later).lastHour.dead).toBe(1);
  expect(portal(later).lastDay.dead).toBe(1);
  controller.abort();

  // A ticket opens one stream only; no ticket, a made-up one, or the admin token itself in the URL open none.
  for (const query of [`ticket=${once}`, '', `ticket=${'A'.repeat(32)}`, `ticket=${adminTokens.viewer}`]) {
    const refused = await fetch(`${t.url}/admin/api/stream?${query}`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('AUTH_INVALID');
  }
  // A Bearer token does not open the stream either (the ticket is its only door), and tickets need a token.
  expect((await fetch(`${t.url}/admin/api/stream`, { headers: { authorization: `Bearer ${adminTokens.viewer}` } })).status).toBe(401);
  expect((await fetch(`${t.url}/admin/api/stream-tickets`, { method: 'POST' })).status).toBe(401);
}, 60_000);
