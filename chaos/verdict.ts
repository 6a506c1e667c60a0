import type { SentUpdate } from './load.ts';

/** One row of the chaos table: what the province sent and what the portal ended up with. */
export interface Verdict {
  scenario: string;
  sent: number;
  acknowledged: number;
  /** Acknowledged updates the portal applied. */
  delivered: number;
  /** Acknowledged updates the portal did not get because a newer one of their dossier reached it first (by design). */
  superseded: number;
  /** Dead letters left for an operator. */
  dead: number;
  /** Acknowledged updates the portal neither got nor had a newer one for: must be 0. */
  lost: number;
  /** Progress records the portal applied more than once (the same update again after a lost answer). */
  duplicateEffects: number;
  /** Times the portal got an older status of a dossier after a newer one: must be 0. */
  orderingViolations: number;
  drainSeconds: number;
}

type PortalEffect = { service: string; payload: { data?: Array<Record<string, unknown>> } };

/** Reads the portal's effects against what was acknowledged; only the dossiers of this scenario count. */
export function judge(scenario: string, sent: SentUpdate[], effects: PortalEffect[], dead: number, drainSeconds: number): Verdict {
  const ours = new Set(sent.map((s) => s.dossierCode));
  const applied = new Map<string, string[]>();
  for (const effect of effects) {
    if (effect.service !== 'CapNhatTienDoHoSoMC') continue;
    // One call may carry the progress of several dossiers (a list): every record is one update applied.
    for (const record of (effect.payload.data ?? []) as Array<{ MaHoSo?: string; ThoiDiemXuLy?: string }>) {
      if (!record.MaHoSo || !ours.has(record.MaHoSo)) continue;
      applied.set(record.MaHoSo, [...(applied.get(record.MaHoSo) ?? []), String(record.ThoiDiemXuLy)]);
    }
  }
  let delivered = 0;
  let superseded = 0;
  let lost = 0;
  const acknowledged = sent.filter((s) => s.acknowledged);
  for (const update of acknowledged) {
    const times = applied.get(update.dossierCode) ?? [];
    if (times.includes(update.portalTime)) delivered += 1;
    else if (times.some((t) => t > update.portalTime)) superseded += 1;
    else lost += 1;
  }
  let duplicateEffects = 0;
  let orderingViolations = 0;
  for (const times of applied.values()) {
    duplicateEffects += times.length - new Set(times).size;
    for (let i = 1; i < times.length; i += 1) if (times[i]! < times[i - 1]!) orderingViolations += 1;
  }
  return { scenario, sent: sent.length, acknowledged: acknowledged.length, delivered, superseded, dead, lost, duplicateEffects, orderingViolations, drainSeconds };
}

export function formatTable(rows: Verdict[]): string {
  const header = ['scenario', 'sent', 'acknowledged', 'delivered', 'superseded', 'dead', 'lost', 'duplicate effects', 'ordering violations', 'time to drain'];
  const lines = rows.map((r) => [r.scenario, r.sent, r.acknowledged, r.delivered, r.superseded, r.dead, r.lost, r.duplicateEffects, r.orderingViolations, `${r.drainSeconds.toFixed(1)} s`].map(String));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}
