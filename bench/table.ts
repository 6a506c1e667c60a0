export interface TableRow {
  section: string;
  name: string;
  value: string;
  p50?: number;
  p99?: number;
  errors: number;
  /** The row against its baseline: ÷ bare for the gateway, of hello for the bare route. */
  ratio?: string;
  note?: string;
}

const cell = (v: number | string | undefined) => (v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : typeof v === 'number' ? String(Math.round(v * 10) / 10) : v);

/** One Markdown table: what the README quotes, and what the smoke test reads row by row. */
export function formatTable(rows: TableRow[]): string {
  const lines = ['| | row | value | p50 ms | p99 ms | errors | ÷ bare | notes |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.section} | ${r.name} | ${r.value} | ${cell(r.p50)} | ${cell(r.p99)} | ${r.errors} | ${r.ratio ?? ''} | ${r.note ?? ''} |`);
  return lines.join('\n');
}
