import { request } from 'undici';
import type { ReceivedPortalCall } from '../connectors/national-portal/simulator.ts';
import { portalOptions } from './bench-setup.ts';

export interface ProgressArrival {
  portalKey: string;
  receivedAt: number;
}

/** Reads what the portal simulator applied: progress updates (one per status message) since a point, and refusals. */
export class PortalWatch {
  private seen = 0;
  private refusedSeen = 0;

  constructor(readonly url: string) {}

  private async received(): Promise<{ effects: ReceivedPortalCall[]; stats: Record<string, number> }> {
    const res = await request(`${this.url}/_sim/received`);
    return (await res.body.json()) as { effects: ReceivedPortalCall[]; stats: Record<string, number> };
  }

  /** Progress records applied since the last call (several per call when the gateway sends a list), and calls refused since. */
  async newProgress(): Promise<{ arrivals: ProgressArrival[]; calls: number; refused: number }> {
    const { effects, stats } = await this.received();
    const fresh = effects.filter((e) => e.sequence > this.seen);
    for (const e of fresh) this.seen = Math.max(this.seen, e.sequence);
    const progressCalls = fresh.filter((e) => e.service === 'CapNhatTienDoHoSoMC');
    const arrivals = progressCalls
      .flatMap((e) => (e.payload.data as Array<Record<string, string>>).map((r) => ({ portalKey: `${r.MaHoSo}|${r.ThoiDiemXuLy}`, receivedAt: Date.parse(e.receivedAt) })));
    const refused = (stats.refused ?? 0) - this.refusedSeen;
    this.refusedSeen = stats.refused ?? 0;
    return { arrivals, calls: progressCalls.length, refused };
  }

  /** Skips everything applied so far. */
  async mark(): Promise<number> {
    await this.newProgress();
    return this.seen;
  }

  /** A session, as the portal's public client logs in. */
  async login(): Promise<string> {
    const answer = await this.post(portalOptions.authEndpoint, { username: portalOptions.username, password: portalOptions.password });
    return answer.session as string;
  }

  async post(path: string, body: object): Promise<Record<string, unknown>> {
    const res = await request(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', dstcode: portalOptions.dstcode }, body: JSON.stringify(body) });
    const answer = (await res.body.json()) as Record<string, unknown>;
    if (Number(answer.error_code) !== 0) throw new Error(`portal simulator refused ${path}: ${JSON.stringify(answer).slice(0, 300)}`);
    return answer;
  }
}
