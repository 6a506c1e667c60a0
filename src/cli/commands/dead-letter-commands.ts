import { call } from '../admin-client.ts';
import { CliFailure, usageError } from '../cli-errors.ts';
import { reasonOption, requireArg, requireReason, type Command, type CommandArgs, type OptionSpec } from '../command.ts';
import { confirm } from '../confirm.ts';
import { formatTable } from '../table.ts';

const filterOptions: Record<string, OptionSpec> = {
  destination: { type: 'string', value: 'D', help: 'one destination (e.g. national-portal)' },
  partner: { type: 'string', value: 'P', help: 'messages from one partner' },
  dossier: { type: 'string', value: 'CODE', help: 'one dossier code' },
  'error-code': { type: 'string', value: 'E', help: 'PERMANENT, RETRIES_EXHAUSTED or UNKNOWN' },
  'http-status': { type: 'string', value: 'N|none', help: "the destination's HTTP status in the failure; none: failures without one (timeouts)" },
  since: { type: 'string', value: 'T', help: 'failed at or after this ISO time' },
  until: { type: 'string', value: 'T', help: 'failed before this ISO time' },
};

/** The filter flags as the admin API names them. */
function filters(values: CommandArgs['values']): Record<string, string | number> {
  const filter: Record<string, string | number> = {};
  const map = { destination: 'destination', partner: 'partner', dossier: 'dossierCode', 'error-code': 'errorCode', since: 'since', until: 'until' } as const;
  for (const [flag, key] of Object.entries(map)) if (typeof values[flag] === 'string') filter[key] = values[flag] as string;
  for (const key of ['since', 'until'] as const) {
    if (filter[key] === undefined) continue;
    const time = Date.parse(String(filter[key]));
    if (Number.isNaN(time)) throw usageError(`--${key} must be an ISO 8601 time such as 2026-11-23T09:00:00+07:00`);
    filter[key] = new Date(time).toISOString();
  }
  const status = values['http-status'];
  if (typeof status === 'string') {
    if (status !== 'none' && !/^[1-5]\d\d$/.test(status)) throw usageError('--http-status must be an HTTP status (100-599) or none');
    filter.statusCode = status === 'none' ? 'none' : Number(status);
  }
  return filter;
}

const describeFilter = (filter: Record<string, unknown>) =>
  Object.keys(filter).length ? Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(' ') : 'no filter: every dead letter';

const list: Command = {
  name: 'dlq list',
  summary: 'list dead letters, newest first',
  options: { ...filterOptions, limit: { type: 'string', value: 'N', help: 'at most N (default 1000)' } },
  async run({ values }) {
    const limit = typeof values.limit === 'string' ? values.limit : '1000';
    if (!/^[1-9]\d{0,3}$/.test(limit) || Number(limit) > 1000) throw usageError('--limit must be a whole number from 1 to 1000');
    const { deadLetters } = await call('GET', `/dead-letters?${new URLSearchParams({ ...stringify(filters(values)), limit })}`);
    return {
      data: deadLetters,
      text: deadLetters.length
        ? formatTable(
            ['messageId', 'destination', 'partner', 'dossier', 'error', 'http', 'attempts', 'failed at', 'reason'],
            deadLetters.map((d: any) => [d.messageId, d.destination, d.partner, d.dossierCode, d.errorCode, d.statusCode, d.attempts, d.failedAt, d.reason]),
          )
        : 'no dead letters match',
    };
  },
};

const groups: Command = {
  name: 'dlq groups',
  summary: 'dead letters grouped by destination, error code and HTTP status, with the filter that selects each group',
  details: 'Retry one group with: gatewayctl dlq retry --destination D --error-code E --http-status N --reason R',
  options: filterOptions,
  async run({ values }) {
    const { groups } = await call('GET', `/dead-letters/groups?${new URLSearchParams(stringify(filters(values)))}`);
    return {
      data: groups,
      text: groups.length
        ? formatTable(
            ['destination', 'error', 'http', 'count', 'oldest failed at', 'retry with'],
            groups.map((g: any) => [g.destination, g.errorCode, g.statusCode, g.count, g.oldestFailedAt, `--destination ${g.filter.destination} --error-code ${g.filter.errorCode} --http-status ${g.filter.statusCode}`]),
            120,
          )
        : 'no dead letters',
    };
  },
};

const retry: Command = {
  name: 'dlq retry',
  args: '<messageId> | --all | [filters]',
  summary: 'retry one dead letter, or every dead letter a filter selects (after confirmation)',
  details: `A bulk retry first counts what it would touch and asks; --yes skips the question (scripts), --dry-run only counts.
--all without filters selects every dead letter. A closed stdin answers no.`,
  options: {
    ...filterOptions,
    all: { type: 'boolean', help: 'every dead letter the filters select (no filter: all of them)' },
    'dry-run': { type: 'boolean', help: 'only count what a bulk retry would touch' },
    yes: { type: 'boolean', help: 'do not ask before a bulk retry' },
    ...reasonOption,
  },
  async run({ values, positionals }) {
    const filter = filters(values);
    const messageId = positionals[0];
    if (messageId) {
      if (values.all || Object.keys(filter).length) throw usageError('dlq retry takes a messageId or filters (--all), not both');
      if (values['dry-run']) {
        // Only says whether there is such a dead letter: nothing is retried.
        const message = await call('GET', `/messages/${encodeURIComponent(messageId)}`);
        if (message.state !== 'dead') throw new CliFailure(`${messageId} is not a dead letter (state ${message.state}): nothing would be retried`);
        return { data: { matched: 1, retried: 0, dryRun: true }, text: `would retry 1 dead letter (${messageId}, ${message.destination})` };
      }
      const result = await call('POST', `/dead-letters/${encodeURIComponent(messageId)}/retry`, { reason: requireReason(values) });
      return { data: result, text: `retried ${result.retried}` };
    }
    if (!values.all && !Object.keys(filter).length) throw usageError('dlq retry needs a messageId, --all, or filters (gatewayctl dlq retry --help)');
    const reason = values['dry-run'] ? (typeof values.reason === 'string' ? values.reason : 'dry run') : requireReason(values);
    const counted = await call('POST', '/dead-letters/retry', { ...filter, reason, dryRun: true });
    if (values['dry-run']) return { data: counted, text: `would retry ${counted.matched} dead letter${counted.matched === 1 ? '' : 's'} (${describeFilter(filter)})` };
    if (counted.matched === 0) return { data: { matched: 0, retried: 0 }, text: `no dead letters match (${describeFilter(filter)}); nothing retried` };
    if (!values.yes && !(await confirm(`Retry ${counted.matched} dead letter${counted.matched === 1 ? '' : 's'} (${describeFilter(filter)})?`))) {
      throw new CliFailure('not confirmed: nothing retried (--yes to skip the question)');
    }
    // What was counted and confirmed, not what died since (countedUntil: just after the newest counted failure).
    const result = await call('POST', '/dead-letters/retry', { ...filter, until: counted.countedUntil, reason });
    return { data: result, text: `retried ${result.retried} of ${result.matched} dead letters` };
  },
};

const discard: Command = {
  name: 'dlq discard',
  args: '<messageId>',
  summary: 'discard one dead letter (its partner still sees it dead, with the reason)',
  options: reasonOption,
  async run(args) {
    const messageId = requireArg(args, 0, '<messageId>', 'dlq discard');
    const reason = requireReason(args.values);
    const result = await call('POST', `/dead-letters/${encodeURIComponent(messageId)}/discard`, { reason });
    return { data: result, text: `discarded ${messageId}` };
  },
};

const stringify = (filter: Record<string, string | number>) => Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)]));

export const deadLetterCommands = [list, groups, retry, discard];
