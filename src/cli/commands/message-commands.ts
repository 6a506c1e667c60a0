import { call } from '../admin-client.ts';
import { notFound, reasonOption, requireArg, requireReason, type Command } from '../command.ts';
import { formatTable } from '../table.ts';

const show: Command = {
  name: 'message show',
  args: '<messageId>',
  summary: 'one message: state, every attempt, next attempt, and its envelope with personal data redacted',
  async run(args) {
    const messageId = requireArg(args, 0, '<messageId>', 'message show');
    const m = await call('GET', `/messages/${encodeURIComponent(messageId)}`);
    const head = [
      `message     ${m.messageId}`,
      `type        ${m.type ?? '-'}`,
      `dossier     ${m.dossierCode ?? '-'}`,
      `destination ${m.destination ?? '-'}`,
      `state       ${m.state}${m.nextAttemptAt ? ` (next attempt ${m.nextAttemptAt})` : ''}`,
      `attempts    ${m.attempts ?? '-'}`,
      `received at ${m.receivedAt ?? '-'}`,
      ...(m.lastError ? [`last error  ${m.lastError}`] : []),
    ];
    const attempts = (m.history ?? []).map((h: any) => [h.attempt, h.at, h.outcome, h.statusCode, h.durationMs, h.error, h.nextAttemptAt]);
    const sections = [head.join('\n')];
    if (attempts.length) sections.push(formatTable(['attempt', 'at', 'outcome', 'http', 'ms', 'error', 'next attempt at'], attempts));
    if (m.envelope) sections.push(`envelope (personal data redacted):\n${JSON.stringify(m.envelope, null, 2)}`);
    return { data: m, text: sections.join('\n\n') };
  },
};

const trace: Command = {
  name: 'trace',
  args: '<dossierCode>',
  summary: "a dossier's messages across destinations, in arrival order, with their states",
  async run(args) {
    const dossierCode = requireArg(args, 0, '<dossierCode>', 'trace');
    const timeline = await call('GET', `/dossiers/${encodeURIComponent(dossierCode)}/timeline`);
    if (!timeline.messages.length) throw notFound(`no messages about dossier ${dossierCode} (unknown, or older than the retention)`);
    return {
      data: timeline,
      text: formatTable(
        ['received at', 'messageId', 'type', 'destination', 'state', 'attempts', 'last error'],
        timeline.messages.map((m: any) => [m.receivedAt, m.messageId, m.type, m.destination, m.state, m.attempts, m.lastError]),
      ),
    };
  },
};

const replay: Command = {
  name: 'replay',
  args: '<messageId>',
  summary: 'deliver a delivered message again, as a new message (ordering still applies)',
  options: reasonOption,
  async run(args) {
    const messageId = requireArg(args, 0, '<messageId>', 'replay');
    const result = await call('POST', `/messages/${encodeURIComponent(messageId)}/replay`, { reason: requireReason(args.values) });
    return { data: result, text: `replayed ${messageId} as ${result.messageId}` };
  },
};

export const messageCommands = [show, trace, replay];
