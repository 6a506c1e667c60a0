import { randomBytes } from 'node:crypto';
import { toCompactVnTime } from '../src/connectors/vietnam-time.ts';
import type { PreparedCmsSigner } from '../src/signatures/sign-cms.ts';

export const agencyCode = '000.00.01.H22';

/** A request ready to send: its exact bytes and the partner's CMS signature over them. */
export interface SignedMessage {
  body: Buffer;
  signature: string;
  /** How the portal will record it (MaHoSo|ThoiDiemXuLy): how a delivery is matched to its send. */
  portalKey: string;
}

/**
 * Status updates for a fixed set of dossiers, each new one a step later in its dossier's life than the last, so no
 * two are the same message and none is superseded. The gateway takes one signature as one message: the same signed
 * body sent twice would be measured as a duplicate, so every request gets a body of its own, signed for it.
 */
export class StatusUpdates {
  private readonly run = randomBytes(3).toString('hex');
  private readonly steps: number[];
  private turn = 0;
  /** Dossier-life seconds after 2026-11-24 08:00 (+07:00): a step per update. */
  private readonly start = Date.parse('2026-11-24T08:00:00+07:00');

  constructor(
    readonly dossiers: number,
    /** Absent: bodies for the bare worker, which checks no signature. */
    private readonly signer?: PreparedCmsSigner,
  ) {
    this.steps = new Array(dossiers).fill(0);
  }

  dossierCode(index: number): string {
    return `${agencyCode}-261124-${this.run}${String(index).padStart(6, '0')}`;
  }

  /** The next update of the next dossier, round robin, so consecutive messages are of different dossiers. */
  next(): SignedMessage {
    const index = this.turn++ % this.dossiers;
    return this.of(index);
  }

  /** The next update of each dossier once: what makes the portal know every dossier. */
  firstRound(): SignedMessage[] {
    return Array.from({ length: this.dossiers }, () => this.next());
  }

  /** `count` updates signed now, before a timed run, so signing costs the run nothing. */
  presign(count: number): SignedMessage[] {
    return Array.from({ length: count }, () => this.next());
  }

  private of(index: number): SignedMessage {
    const dossierCode = this.dossierCode(index);
    const step = ++this.steps[index]!;
    const statusTimeVn = `${new Date(this.start + step * 1000 + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
    const body = Buffer.from(
      JSON.stringify({
        dossierCode,
        procedureCode: '1.001612.000.00.00.H22',
        agencyCode,
        status: 4,
        statusTime: statusTimeVn,
        channel: 'online',
        note: 'Chuyển phòng chuyên môn thẩm định',
        applicant: { fullName: 'Nguyễn Văn Mẫu', personalId: '001099012345' },
      }),
    );
    return { body, signature: this.signer?.sign(body) ?? '', portalKey: `${dossierCode}|${toCompactVnTime(statusTimeVn)}` };
  }
}
