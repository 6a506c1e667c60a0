import { GatewayError } from '../http/errors.ts';
import type { ExpectedPayment } from './payment-provider.ts';
import type { PaymentStore } from './payment-store.ts';

/**
 * A bank's settlement file, in the CSV profile the gateway documents (banks' own formats are converted to it):
 *   transaction_no,order_id,amount,currency,paid_at[,status]
 * amount in VND (integer), order_id = the gateway's paymentId, status SUCCESS (rows with another status are not
 * settlements and are skipped). A header line is required; columns may come in any order.
 */
export interface SettlementRow {
  line: number;
  transactionNo: string;
  orderId: string;
  amount: number;
  currency: string;
  paidAt: string;
}

const requiredColumns = ['transaction_no', 'order_id', 'amount', 'currency', 'paid_at'] as const;

export function parseSettlementCsv(text: string): SettlementRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const missing = requiredColumns.filter((c) => !header.includes(c));
  if (missing.length) throw new GatewayError('SCHEMA_INVALID', 'settlement file header lacks columns', [{ path: 'csv:line 1', message: `missing ${missing.join(', ')}` }]);
  const column = (cells: string[], name: string) => (cells[header.indexOf(name)] ?? '').trim();
  const rows: SettlementRow[] = [];
  const problems: Array<{ path: string; message: string }> = [];
  lines.slice(1).forEach((text, i) => {
    const line = i + 2;
    if (!text.trim()) return;
    const cells = text.split(',');
    if (cells.length !== header.length) return void problems.push({ path: `csv:line ${line}`, message: `has ${cells.length} cells, the header ${header.length}` });
    if (header.includes('status') && column(cells, 'status').toUpperCase() !== 'SUCCESS') return;
    const amount = column(cells, 'amount');
    if (!/^\d{1,15}$/.test(amount)) return void problems.push({ path: `csv:line ${line}`, message: `amount "${amount}" is not a whole number of VND` });
    rows.push({ line, transactionNo: column(cells, 'transaction_no'), orderId: column(cells, 'order_id'), amount: Number(amount), currency: column(cells, 'currency') || 'VND', paidAt: column(cells, 'paid_at') });
  });
  if (problems.length) throw new GatewayError('SCHEMA_INVALID', 'settlement file has bad lines', problems.slice(0, 50));
  return rows;
}

export interface ReconciliationReport {
  date: string;
  provider?: string;
  matched: number;
  /** At the bank, not paid in the gateway (unknown order, or one the gateway has as pending/expired/failed). */
  missingInGateway: Array<{ orderId: string; transactionNo: string; amount: number; gatewayStatus: string }>;
  /** Paid in the gateway, absent from the bank's file. */
  missingAtBank: Array<{ orderId: string; transactionNo?: string; amount: number; dossierCode: string }>;
  /** On both sides with a different amount, currency or transaction number. */
  mismatches: Array<{ orderId: string; field: 'amount' | 'currency' | 'transactionNo'; bank: string | number; gateway: string | number }>;
  ok: boolean;
}

/** Compares a day's settlement rows with the payments the gateway confirmed paid that day (Asia/Ho_Chi_Minh). */
export async function reconcile(store: PaymentStore, date: string, rows: SettlementRow[], provider?: string): Promise<ReconciliationReport> {
  const paid = (await store.paidOn(date)).filter((p) => !provider || p.provider === provider);
  const byId = new Map<string, ExpectedPayment>(paid.map((p) => [p.paymentId, p]));
  const report: ReconciliationReport = { date, provider, matched: 0, missingInGateway: [], missingAtBank: [], mismatches: [], ok: true };
  for (const row of rows) {
    const ours = byId.get(row.orderId) ?? (await store.get(row.orderId));
    byId.delete(row.orderId);
    // A refunded payment was still paid that day: the refund is a transaction of its own at the bank.
    const settledPaid = ours?.status === 'paid' || ours?.status === 'refunded';
    if (!ours || !settledPaid || (provider && ours.provider !== provider)) {
      report.missingInGateway.push({ orderId: row.orderId, transactionNo: row.transactionNo, amount: row.amount, gatewayStatus: ours?.status ?? 'unknown' });
      continue;
    }
    const before = report.mismatches.length;
    if (row.amount !== ours.amount) report.mismatches.push({ orderId: row.orderId, field: 'amount', bank: row.amount, gateway: ours.amount });
    if (row.currency !== ours.currency) report.mismatches.push({ orderId: row.orderId, field: 'currency', bank: row.currency, gateway: ours.currency });
    if (row.transactionNo !== ours.transactionNo) report.mismatches.push({ orderId: row.orderId, field: 'transactionNo', bank: row.transactionNo, gateway: ours.transactionNo ?? '' });
    if (report.mismatches.length === before) report.matched += 1;
  }
  for (const p of byId.values()) report.missingAtBank.push({ orderId: p.paymentId, transactionNo: p.transactionNo, amount: p.amount, dossierCode: p.dossierCode });
  report.ok = report.missingInGateway.length + report.missingAtBank.length + report.mismatches.length === 0;
  return report;
}
