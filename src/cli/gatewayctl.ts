/**
 * gatewayctl: the admin API from a terminal.
 *   gatewayctl queues
 *   gatewayctl dlq list [--destination D] [--partner P] [--dossier CODE] [--error-code PERMANENT|RETRIES_EXHAUSTED]
 *   gatewayctl dlq retry <messageId> --reason "…"      gatewayctl dlq retry --all [filters] --reason "…"
 *   gatewayctl dlq discard <messageId> --reason "…"
 *   gatewayctl trace <dossierCode>
 *   gatewayctl replay <messageId> --reason "…"
 *   gatewayctl log verify            (exit 1 when the chain is broken, naming the first broken record and where it is)
 *   gatewayctl log export [--from ISO-time|seq] [--to ISO-time|seq]     (JSON lines on stdout, segment files then Redis)
 *   gatewayctl reconcile --date YYYY-MM-DD --file settlement.csv [--provider P]   (exit 1 on any difference)
 *   gatewayctl payments list --status needs-review     gatewayctl payments show <paymentId>
 *   gatewayctl payments review <paymentId> --outcome paid|failed --reason "…"
 *   gatewayctl payments refund <paymentId> [--amount N] --reason "…"      (exit 1 when the bank refuses)
 * GATEWAY_URL and GATEWAY_ADMIN_TOKEN say where and who; without them the local sandbox's are used.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { formatTable } from './table.ts';

const usage = `usage: gatewayctl queues | dlq list [filters] | dlq retry <id>|--all [filters] --reason R | dlq discard <id> --reason R | trace <dossierCode> | replay <id> --reason R | log verify | log export [--from T|seq] [--to T|seq] | reconcile --date YYYY-MM-DD --file F [--provider P]
       payments list --status needs-review | payments show <id> | payments review <id> --outcome paid|failed --reason R | payments refund <id> [--amount N] --reason R
filters: --destination D --partner P --dossier CODE --error-code PERMANENT|RETRIES_EXHAUSTED`;

function target(): { url: string; token: string } {
  let sandbox: { gatewayUrl?: string; adminToken?: string } = {};
  try {
    sandbox = JSON.parse(readFileSync(resolve(new URL('../..', import.meta.url).pathname, 'var/sandbox/sandbox.json'), 'utf8'));
  } catch {
    // no local sandbox: the environment must say
  }
  const url = process.env.GATEWAY_URL ?? sandbox.gatewayUrl;
  const token = process.env.GATEWAY_ADMIN_TOKEN ?? sandbox.adminToken;
  if (!url || !token) throw new CliError('set GATEWAY_URL and GATEWAY_ADMIN_TOKEN (or start the sandbox with npm start)');
  return { url, token };
}

class CliError extends Error {}
/** A verification that found tampering, a reconciliation that found differences, a refund not made: exit 1, for scripts and cron jobs. */
class NegativeOutcome extends Error {}

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const { url, token } = target();
  const res = await request(`${url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.body.json()) as any;
  if (res.statusCode >= 400) throw new CliError(`${res.statusCode} ${json.error}: ${json.message}${json.details?.length ? ` (${json.details.map((d: any) => `${d.path} ${d.message}`).join('; ')})` : ''}`);
  return json;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    destination: { type: 'string' },
    partner: { type: 'string' },
    dossier: { type: 'string' },
    'error-code': { type: 'string' },
    reason: { type: 'string' },
    all: { type: 'boolean' },
    date: { type: 'string' },
    file: { type: 'string' },
    provider: { type: 'string' },
    status: { type: 'string' },
    outcome: { type: 'string' },
    amount: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

const filters = () =>
  Object.fromEntries(
    Object.entries({ destination: values.destination, partner: values.partner, dossierCode: values.dossier, errorCode: values['error-code'] }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;

/** --from/--to: a record's seq (a whole number) or a time (ISO 8601, as in the records' `at`). */
function exportRange(): Record<string, string> {
  const range: Record<string, string> = {};
  for (const [flag, seqKey, timeKey] of [['from', 'fromSeq', 'from'], ['to', 'toSeq', 'to']] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (/^[1-9]\d{0,15}$/.test(value)) range[seqKey] = value;
    else if (!Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value)) range[timeKey] = new Date(value).toISOString();
    else throw new CliError(`--${flag} must be a record seq (a whole number) or a time such as 2026-11-23 or 2026-11-23T09:00:00+07:00`);
  }
  return range;
}

const reason = () => {
  if (!values.reason) throw new CliError('--reason "…" is required: every operator action is audited with its reason');
  return values.reason;
};

async function main(): Promise<string> {
  const [command, sub, id] = positionals;
  if (command === 'queues') {
    const { destinations } = await call('GET', '/queues');
    return formatTable(
      ['destination', 'paused', 'waiting', 'active', 'delayed', 'dead', 'oldest dead (s)', 'delivered'],
      destinations.map((d: any) => [d.destination, d.paused ? 'yes' : 'no', d.counts.waiting + d.counts.prioritized, d.counts.active, d.counts.delayed, d.counts.failed, d.deadLetters.oldestAgeSeconds, d.counts.completed]),
    );
  }
  if (command === 'dlq' && sub === 'list') {
    const { deadLetters } = await call('GET', `/dead-letters?${new URLSearchParams({ ...filters(), limit: '1000' })}`);
    return formatTable(
      ['messageId', 'destination', 'partner', 'dossier', 'error', 'http', 'attempts', 'failed at', 'reason'],
      deadLetters.map((d: any) => [d.messageId, d.destination, d.partner, d.dossierCode, d.errorCode, d.statusCode, d.attempts, d.failedAt, d.reason]),
    );
  }
  if (command === 'dlq' && sub === 'retry') {
    if (values.all) {
      const result = await call('POST', '/dead-letters/retry', { ...filters(), reason: reason() });
      return `retried ${result.retried} of ${result.matched} dead letters`;
    }
    if (!id) throw new CliError('dlq retry needs a messageId or --all');
    const result = await call('POST', `/dead-letters/${id}/retry`, { reason: reason() });
    return `retried ${result.retried}`;
  }
  if (command === 'dlq' && sub === 'discard' && id) {
    await call('POST', `/dead-letters/${id}/discard`, { reason: reason() });
    return `discarded ${id}`;
  }
  if (command === 'trace' && sub) {
    const { messages } = await call('GET', `/dossiers/${encodeURIComponent(sub)}/timeline`);
    return formatTable(
      ['received at', 'messageId', 'type', 'destination', 'state', 'attempts', 'last error'],
      messages.map((m: any) => [m.receivedAt, m.messageId, m.type, m.destination, m.state, m.attempts, m.lastError]),
    );
  }
  if (command === 'log' && sub === 'verify') {
    const verdict = await call('GET', '/message-log/verify');
    if (!verdict.ok) {
      const { seq, problem, reason, segment, line, redisKey } = verdict.broken;
      const where = segment ? `segment ${segment} line ${line}` : redisKey ? `Redis ${redisKey}` : 'the archive';
      throw new NegativeOutcome(`message log BROKEN at seq ${seq} (${where}): record ${problem}: ${reason} (${verdict.records} records verified before it)`);
    }
    const { archived } = verdict;
    const split = archived.records ? `, ${archived.records} of them in ${archived.segments} archive segment${archived.segments === 1 ? '' : 's'}` : '';
    return `message log intact: ${verdict.records} records${verdict.records ? ` (seq ${verdict.firstSeq}-${verdict.lastSeq}${split})` : ''}`;
  }
  if (command === 'log' && sub === 'export') {
    const { url, token } = target();
    const res = await request(`${url}/admin/api/message-log/export?${new URLSearchParams(exportRange())}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new CliError(`export failed: HTTP ${res.statusCode} ${await res.body.text()}`);
    for await (const chunk of res.body) process.stdout.write(chunk);
    return '';
  }
  if (command === 'replay' && sub) {
    const result = await call('POST', `/messages/${sub}/replay`, { reason: reason() });
    return `replayed ${sub} as ${result.messageId}`;
  }
  if (command === 'reconcile') return reconcileCommand();
  if (command === 'payments') return paymentsCommand(sub, id);
  throw new CliError(usage);
}

async function paymentsCommand(sub: string | undefined, paymentId: string | undefined): Promise<string> {
  if (sub === 'list') {
    const { payments } = await call('GET', `/payments?${new URLSearchParams({ status: values.status ?? 'needs-review', limit: '500' })}`);
    return formatTable(
      ['paymentId', 'dossier', 'provider', 'amount', 'reason', 'provider codes', 'flagged at'],
      payments.map((p: any) => [p.paymentId, p.dossierCode, p.provider, p.amount, p.review?.reason, Object.entries(p.providerCodes ?? {}).map(([k, v]) => `${k}=${v}`).join(' '), p.review?.flaggedAt]),
    );
  }
  if (!paymentId) throw new CliError(`payments ${sub ?? ''} needs a paymentId\n${usage}`);
  const path = `/payments/${encodeURIComponent(paymentId)}`;
  if (sub === 'show') {
    const p = await call('GET', path);
    const refunds = (p.refunds ?? []).map((r: any) => [r.refundId, r.kind, r.amount, r.status, `${r.providerCode ?? ''} ${r.providerMessage ?? ''}`.trim(), r.requestedBy, r.requestedAt]);
    const head = `${p.paymentId} ${p.status} ${p.amount} ${p.currency} dossier ${p.dossierCode} via ${p.provider}${p.refundedAmount ? `, refunded ${p.refundedAmount}` : ''}${p.review ? `, review: ${p.review.reason}${p.review.resolvedAs ? ` → ${p.review.resolvedAs}` : ''}` : ''}`;
    return refunds.length ? `${head}\n${formatTable(['refund', 'kind', 'amount', 'status', 'provider says', 'by', 'at'], refunds)}` : head;
  }
  if (sub === 'review') {
    if (values.outcome !== 'paid' && values.outcome !== 'failed') throw new CliError('payments review needs --outcome paid|failed');
    const p = await call('POST', `${path}/review`, { outcome: values.outcome, reason: reason() });
    return `payment ${p.paymentId} resolved as ${p.status}; the province is told`;
  }
  if (sub === 'refund') {
    let amount: number | undefined;
    if (values.amount !== undefined) {
      if (!/^[1-9]\d{0,11}$/.test(values.amount)) throw new CliError('--amount must be a whole number of VND greater than 0');
      amount = Number(values.amount);
    }
    try {
      const { refund } = await call('POST', `${path}/refund`, { ...(amount !== undefined ? { amount } : {}), reason: reason() });
      return `refunded ${refund.amount} VND of ${paymentId} (${refund.kind}, refund ${refund.refundId}, provider ${refund.providerCode})`;
    } catch (err) {
      // The bank said no, or did not answer: not a usage error, but the refund did not happen (exit 1).
      if (err instanceof CliError && /REFUND_REFUSED|UPSTREAM_/.test(err.message)) throw new NegativeOutcome(err.message);
      throw err;
    }
  }
  throw new CliError(usage);
}

async function reconcileCommand(): Promise<string> {
  if (!values.date || !values.file) throw new CliError('reconcile needs --date YYYY-MM-DD and --file <settlement CSV>');
  let csv: string;
  try {
    csv = readFileSync(values.file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${values.file}: ${(err as Error).message}`);
  }
  const report = await call('POST', '/payments/reconcile', { date: values.date, csv, ...(values.provider ? { provider: values.provider } : {}) });
  const rows = [
    ...report.missingInGateway.map((m: any) => ['missing in gateway', m.orderId, m.transactionNo, m.amount, '', `gateway: ${m.gatewayStatus}`]),
    ...report.missingAtBank.map((m: any) => ['missing at bank', m.orderId, m.transactionNo ?? '', m.amount, m.dossierCode, '']),
    ...report.mismatches.map((m: any) => [`${m.field} differs`, m.orderId, '', '', '', `bank ${m.bank} / gateway ${m.gateway}`]),
  ];
  const summary = `${report.date}${report.provider ? ` ${report.provider}` : ''}: matched ${report.matched}, missing in gateway ${report.missingInGateway.length}, missing at bank ${report.missingAtBank.length}, mismatches ${report.mismatches.length}`;
  if (rows.length) process.stdout.write(formatTable(['difference', 'order', 'transaction', 'amount', 'dossier', 'detail'], rows) + '\n');
  process.stdout.write(summary + '\n');
  if (!report.ok) throw new NegativeOutcome('the settlement file and the gateway differ');
  return '';
}

main().then(
  (out) => out && process.stdout.write(out + '\n'),
  (err) => {
    const known = err instanceof CliError || err instanceof NegativeOutcome;
    process.stderr.write(`gatewayctl: ${known ? err.message : (err as Error).stack}\n`);
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
