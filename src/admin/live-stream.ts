import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import type { CircuitStateBoard } from '../delivery/circuit-state-board.ts';
import type { AdminIdentity } from './admin-auth.ts';
import { describeDestination } from './queue-overview.ts';

/** A stream ticket is good for this long, and once. */
const ticketTtlMs = 30_000;
/** How often the board is read while someone watches; a snapshot goes out when it changed, or at least every `heartbeatMs`. */
const tickMs = 1_000;
const heartbeatMs = 5_000;

/**
 * Stream tickets: EventSource cannot send an Authorization header, and an admin token in a URL would end up in
 * proxy logs and the browser's history. So the page trades its token (POST, Bearer) for a random ticket that
 * opens one stream within 30 s and is then gone (GETDEL). They live in Redis, so any api process may serve the
 * stream; a stolen ticket is worth one read-only stream, never an action.
 */
export class StreamTickets {
  constructor(
    private readonly redis: ApiDeps['redis'],
    private readonly prefix: string,
  ) {}

  private key = (ticket: string) => `${this.prefix}:admin-stream-ticket:${ticket}`;

  async issue(admin: AdminIdentity): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await this.redis.set(this.key(ticket), JSON.stringify(admin), 'PX', ticketTtlMs);
    return ticket;
  }

  async redeem(ticket: string | undefined): Promise<AdminIdentity | undefined> {
    if (!ticket || !/^[A-Za-z0-9_-]{32}$/.test(ticket)) return undefined;
    const text = await this.redis.getdel(this.key(ticket));
    return text ? (JSON.parse(text) as AdminIdentity) : undefined;
  }
}

type Snapshot = Awaited<ReturnType<LiveBoard['read']>>;

/**
 * What the dashboard watches: every destination's counts, dead letters and circuits, and payments awaiting
 * review. Read once per tick for all watchers of this process (not once per watcher), only while someone watches.
 */
export class LiveBoard {
  private readonly watchers = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private lastChange = '';
  private lastSentAt = 0;
  private last: Snapshot | undefined;

  constructor(
    private readonly deps: ApiDeps,
    private readonly circuitBoard: CircuitStateBoard,
  ) {}

  async read() {
    const destinations = await Promise.all(this.deps.queues.all().map(([name, queue]) => describeDestination(name, queue, this.circuitBoard)));
    const reviews = this.deps.payments ? await this.deps.payments.store.countNeedingReview() : null;
    return { at: new Date().toISOString(), destinations, reviews };
  }

  /** What counts as a change: not the ages, which move every second. */
  private changeOf(snapshot: Snapshot): string {
    return JSON.stringify([
      snapshot.reviews,
      snapshot.destinations.map((d) => [d.destination, d.paused, d.counts, d.deadLetters.count, d.deadLetters.newestAt, d.circuits.map((c) => c.state)]),
    ]);
  }

  async watch(response: ServerResponse): Promise<void> {
    this.watchers.add(response);
    response.on('close', () => this.unwatch(response));
    // The newcomer gets the board at once; the others only when it changes.
    const snapshot = this.last && Date.now() - Date.parse(this.last.at) < tickMs ? this.last : await this.read();
    send(response, snapshot);
    this.timer ??= setInterval(() => void this.tick(), tickMs);
  }

  private unwatch(response: ServerResponse): void {
    this.watchers.delete(response);
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async tick(): Promise<void> {
    let snapshot: Snapshot;
    try {
      snapshot = await this.read();
    } catch {
      return; // Redis away for a moment: the watchers keep the last board, and the next tick tries again
    }
    this.last = snapshot;
    const change = this.changeOf(snapshot);
    if (change === this.lastChange && Date.now() - this.lastSentAt < heartbeatMs) return;
    this.lastChange = change;
    this.lastSentAt = Date.now();
    for (const watcher of this.watchers) send(watcher, snapshot);
  }

  close(): void {
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function send(response: ServerResponse, snapshot: Snapshot): void {
  response.write(`event: board\ndata: ${JSON.stringify(snapshot)}\n\n`);
}

/** The path the ticket opens; every other /admin/api path takes the Bearer token. */
export const streamPath = '/admin/api/stream';

/**
 * POST /stream-tickets (Bearer, any admin) → {ticket, expiresInSeconds, admin, role}; GET /stream?ticket= → text/event-stream,
 * `board` events as above. The ticket check is the stream's own onRequest authentication (see admin-routes.ts).
 */
export function registerLiveStream(app: FastifyInstance, tickets: StreamTickets, board: LiveBoard): void {
  // Who the token is, too: the page hides actions a viewer may not take (the API refuses them anyway).
  app.post(
    '/stream-tickets',
    {
      schema: {
        summary: 'A one-time ticket (30 s) to open the live stream with, for EventSource, which cannot send a Bearer token',
        response: {
          200: {
            type: 'object',
            required: ['ticket', 'expiresInSeconds', 'admin', 'role'],
            properties: { ticket: { type: 'string' }, expiresInSeconds: { type: 'integer' }, admin: { type: 'string' }, role: { type: 'string', enum: ['viewer', 'operator'] } },
          },
        },
      },
    },
    async (request) => ({ ticket: await tickets.issue(request.admin!), expiresInSeconds: ticketTtlMs / 1000, admin: request.admin!.name, role: request.admin!.role }),
  );

  app.get(
    '/stream',
    {
      schema: {
        summary: 'The live board as server-sent events (`board` events: queues, dead letters, throughput), opened with a stream ticket',
        security: [],
        querystring: { type: 'object', required: ['ticket'], properties: { ticket: { type: 'string', description: 'from POST /admin/api/stream-tickets; good once' } } },
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      },
    },
    async (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies (nginx) must pass events on as they come.
      'x-accel-buffering': 'no',
    });
    // After a lost connection the page asks for a new ticket itself; this tells EventSource not to hammer meanwhile.
    reply.raw.write('retry: 3000\n\n');
    await board.watch(reply.raw);
  },
  );
  app.addHook('onClose', async () => board.close());
}

/** onRequest for the stream: the ticket in the query, redeemed once. */
export function streamAuthenticator(tickets: StreamTickets) {
  return async (request: FastifyRequest): Promise<void> => {
    const admin = await tickets.redeem((request.query as { ticket?: string }).ticket);
    if (!admin) throw new GatewayError('AUTH_INVALID', 'a stream ticket is required (POST /admin/api/stream-tickets with an admin token), each good once within 30 s');
    request.admin = admin;
  };
}
