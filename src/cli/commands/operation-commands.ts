import { readFileSync } from 'node:fs';
import { call, reach } from '../admin-client.ts';
import { CliFailure, usageError } from '../cli-errors.ts';
import { reasonOption, requireArg, requireReason, type Command, type CommandArgs } from '../command.ts';
import { formatTable } from '../table.ts';

const queues: Command = {
  name: 'queues',
  summary: 'every destination: paused, waiting, active, delayed, dead, oldest dead letter, delivered',
  async run() {
    const { destinations } = await call('GET', '/queues');
    return {
      data: destinations,
      text: formatTable(
        ['destination', 'paused', 'waiting', 'active', 'delayed', 'dead', 'oldest dead (s)', 'delivered'],
        destinations.map((d: any) => [d.destination, d.paused ? 'yes' : 'no', d.counts.waiting + d.counts.prioritized, d.counts.active, d.counts.delayed, d.counts.failed, d.deadLetters.oldestAgeSeconds, d.counts.completed]),
      ),
    };
  },
};

const pauseOrResume = (action: 'pause' | 'resume'): Command => ({
  name: action,
  args: '<destination>',
  summary: action === 'pause' ? 'stop delivering to a destination (messages are still accepted and held)' : 'deliver to a paused destination again',
  options: reasonOption,
  async run(args) {
    const destination = requireArg(args, 0, '<destination>', action);
    const result = await call('POST', `/destinations/${encodeURIComponent(destination)}/${action}`, { reason: requireReason(args.values) });
    return { data: result, text: `${destination} ${result.paused ? 'paused' : 'resumed'}` };
  },
});

const audit: Command = {
  name: 'audit',
  summary: 'the audit trail of operator actions, newest first',
  options: { limit: { type: 'string', value: 'N', help: 'at most N entries (default 100, at most 1000)' } },
  async run({ values }) {
    const limit = typeof values.limit === 'string' ? values.limit : '100';
    if (!/^[1-9]\d{0,3}$/.test(limit) || Number(limit) > 1000) throw usageError('--limit must be a whole number from 1 to 1000');
    const { entries } = await call('GET', `/audit?limit=${limit}`);
    return {
      data: entries,
      text: entries.length
        ? formatTable(['at', 'actor', 'role', 'action', 'target', 'count', 'reason'], entries.map((e: any) => [e.at, e.actor, e.role, e.action, e.target, e.count, e.reason]))
        : 'the audit trail is empty',
    };
  },
};

const trustReload: Command = {
  name: 'trust reload',
  summary: "re-read trust anchors and CRL files in the api process answering (as SIGHUP does); other processes: kill -HUP",
  options: reasonOption,
  async run({ values }) {
    const loaded = await call('POST', '/trust/reload', { reason: requireReason(values) });
    return { data: loaded, text: `trust reloaded: ${loaded.roots} roots, ${loaded.intermediates} intermediates, ${loaded.crls} CRLs` };
  },
};

const logVerify: Command = {
  name: 'log verify',
  summary: "check the message log's hash chain, archive segments then Redis (exit 1 when broken, naming where)",
  async run() {
    const verdict = await call('GET', '/message-log/verify');
    if (!verdict.ok) {
      const { seq, problem, reason, segment, line, redisKey } = verdict.broken;
      const where = segment ? `segment ${segment} line ${line}` : redisKey ? `Redis ${redisKey}` : 'the archive';
      throw new CliFailure(`message log BROKEN at seq ${seq} (${where}): record ${problem}: ${reason} (${verdict.records} records verified before it)`);
    }
    const { archived } = verdict;
    const split = archived.records ? `, ${archived.records} of them in ${archived.segments} archive segment${archived.segments === 1 ? '' : 's'}` : '';
    return { data: verdict, text: `message log intact: ${verdict.records} records${verdict.records ? ` (seq ${verdict.firstSeq}-${verdict.lastSeq}${split})` : ''}` };
  },
};

/** --from/--to: a record's seq (a whole number) or a time (ISO 8601, as in the records' `at`). */
function exportRange(values: CommandArgs['values']): Record<string, string> {
  const range: Record<string, string> = {};
  for (const [flag, seqKey, timeKey] of [['from', 'fromSeq', 'from'], ['to', 'toSeq', 'to']] as const) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    if (/^[1-9]\d{0,15}$/.test(value)) range[seqKey] = value;
    else if (!Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value)) range[timeKey] = new Date(value).toISOString();
    else throw usageError(`--${flag} must be a record seq (a whole number) or a time such as 2026-11-23 or 2026-11-23T09:00:00+07:00`);
  }
  return range;
}

const logExport: Command = {
  name: 'log export',
  summary: 'the message log as JSON lines on stdout (segment files, then Redis)',
  options: {
    from: { type: 'string', value: 'T|seq', help: 'from this ISO time or record seq' },
    to: { type: 'string', value: 'T|seq', help: 'up to this ISO time or record seq' },
  },
  async run({ values }) {
    const res = await reach(`/admin/api/message-log/export?${new URLSearchParams(exportRange(values))}`);
    if (res.statusCode !== 200) throw new CliFailure(`export failed: HTTP ${res.statusCode} ${await res.body.text()}`, res.statusCode === 401 || res.statusCode === 403 ? 4 : 1);
    for await (const chunk of res.body) process.stdout.write(chunk);
    return { data: undefined, text: '' };
  },
};

const reconcile: Command = {
  name: 'reconcile',
  summary: "compare a bank's settlement file with the gateway's payments (exit 1 on any difference)",
  options: {
    date: { type: 'string', value: 'YYYY-MM-DD', help: 'the settlement day' },
    file: { type: 'string', value: 'F', help: 'the settlement CSV' },
    provider: { type: 'string', value: 'P', help: 'the payment provider (default: the only one configured)' },
  },
  async run({ values }) {
    if (typeof values.date !== 'string' || typeof values.file !== 'string') throw usageError('reconcile needs --date YYYY-MM-DD and --file <settlement CSV>');
    let csv: string;
    try {
      csv = readFileSync(values.file, 'utf8');
    } catch (err) {
      throw usageError(`cannot read ${values.file}: ${(err as Error).message}`);
    }
    const report = await call('POST', '/payments/reconcile', { date: values.date, csv, ...(typeof values.provider === 'string' ? { provider: values.provider } : {}) });
    const rows = [
      ...report.missingInGateway.map((m: any) => ['missing in gateway', m.orderId, m.transactionNo, m.amount, '', `gateway: ${m.gatewayStatus}`]),
      ...report.missingAtBank.map((m: any) => ['missing at bank', m.orderId, m.transactionNo ?? '', m.amount, m.dossierCode, '']),
      ...report.mismatches.map((m: any) => [`${m.field} differs`, m.orderId, '', '', '', `bank ${m.bank} / gateway ${m.gateway}`]),
    ];
    const summary = `${report.date}${report.provider ? ` ${report.provider}` : ''}: matched ${report.matched}, missing in gateway ${report.missingInGateway.length}, missing at bank ${report.missingAtBank.length}, mismatches ${report.mismatches.length}`;
    const text = rows.length ? `${formatTable(['difference', 'order', 'transaction', 'amount', 'dossier', 'detail'], rows)}\n${summary}` : summary;
    // The differences are printed before the exit status says there were some.
    return { data: report, text, ...(report.ok ? {} : { failure: 'the settlement file and the gateway differ' }) };
  },
};

export const operationCommands = [queues, pauseOrResume('pause'), pauseOrResume('resume'), audit, trustReload, logVerify, logExport, reconcile];
