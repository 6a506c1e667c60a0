import { call } from '../admin-client.ts';
import { CliFailure, exitCodes, usageError } from '../cli-errors.ts';
import { reasonOption, requireArg, requireReason, type Command } from '../command.ts';
import { formatTable } from '../table.ts';

const list: Command = {
  name: 'payments list',
  summary: 'payments a bank flagged for review (needs-review), oldest first',
  options: { status: { type: 'string', value: 'needs-review', help: 'the status to list (needs-review, the default, is the one the admin API lists)' } },
  async run({ values }) {
    const status = typeof values.status === 'string' ? values.status : 'needs-review';
    const { payments } = await call('GET', `/payments?${new URLSearchParams({ status, limit: '500' })}`);
    return {
      data: payments,
      text: payments.length
        ? formatTable(
            ['paymentId', 'dossier', 'provider', 'amount', 'reason', 'provider codes', 'flagged at'],
            payments.map((p: any) => [p.paymentId, p.dossierCode, p.provider, p.amount, p.review?.reason, Object.entries(p.providerCodes ?? {}).map(([k, v]) => `${k}=${v}`).join(' '), p.review?.flaggedAt]),
          )
        : `no payments ${status}`,
    };
  },
};

const show: Command = {
  name: 'payments show',
  args: '<paymentId>',
  summary: 'one payment with its review and refunds',
  async run(args) {
    const paymentId = requireArg(args, 0, '<paymentId>', 'payments show');
    const p = await call('GET', `/payments/${encodeURIComponent(paymentId)}`);
    const refunds = (p.refunds ?? []).map((r: any) => [r.refundId, r.kind, r.amount, r.status, `${r.providerCode ?? ''} ${r.providerMessage ?? ''}`.trim(), r.requestedBy, r.requestedAt]);
    const head = `${p.paymentId} ${p.status} ${p.amount} ${p.currency} dossier ${p.dossierCode} via ${p.provider}${p.refundedAmount ? `, refunded ${p.refundedAmount}` : ''}${p.review ? `, review: ${p.review.reason}${p.review.resolvedAs ? ` → ${p.review.resolvedAs}` : ''}` : ''}`;
    return { data: p, text: refunds.length ? `${head}\n${formatTable(['refund', 'kind', 'amount', 'status', 'provider says', 'by', 'at'], refunds)}` : head };
  },
};

const review: Command = {
  name: 'payments review',
  args: '<paymentId>',
  summary: 'decide a payment a bank flagged: paid or failed; the province then hears it',
  options: { outcome: { type: 'string', value: 'paid|failed', help: 'what the payment is' }, ...reasonOption },
  async run(args) {
    const paymentId = requireArg(args, 0, '<paymentId>', 'payments review');
    const { outcome } = args.values;
    if (outcome !== 'paid' && outcome !== 'failed') throw usageError('payments review needs --outcome paid|failed');
    const p = await call('POST', `/payments/${encodeURIComponent(paymentId)}/review`, { outcome, reason: requireReason(args.values) });
    return { data: p, text: `payment ${p.paymentId} resolved as ${p.status}; the province is told` };
  },
};

const refund: Command = {
  name: 'payments refund',
  args: '<paymentId>',
  summary: 'refund a payment at its provider, all of it or --amount (exit 1 when the bank refuses or does not answer)',
  options: { amount: { type: 'string', value: 'N', help: 'whole VND; default: what remains' }, ...reasonOption },
  async run(args) {
    const paymentId = requireArg(args, 0, '<paymentId>', 'payments refund');
    let amount: number | undefined;
    const given = args.values.amount;
    if (given !== undefined) {
      if (typeof given !== 'string' || !/^[1-9]\d{0,11}$/.test(given)) throw usageError('--amount must be a whole number of VND greater than 0');
      amount = Number(given);
    }
    const reason = requireReason(args.values);
    try {
      const { refund } = await call('POST', `/payments/${encodeURIComponent(paymentId)}/refund`, { ...(amount !== undefined ? { amount } : {}), reason });
      return { data: refund, text: `refunded ${refund.amount} VND of ${paymentId} (${refund.kind}, refund ${refund.refundId}, provider ${refund.providerCode})` };
    } catch (err) {
      // The bank said no, or did not answer: the refund did not happen (exit 1), whatever the HTTP status.
      if (err instanceof CliFailure && /REFUND_REFUSED|UPSTREAM_/.test(err.message)) throw new CliFailure(err.message, exitCodes.failed);
      throw err;
    }
  },
};

export const paymentCommands = [list, show, review, refund];
