/**
 * gatewayctl: the admin API from a terminal. `gatewayctl --help` lists the commands, `gatewayctl <command> --help`
 * says one; the commands live in ./commands, the exit codes in ./cli-errors.ts. GATEWAY_URL and GATEWAY_ADMIN_TOKEN
 * say where and who; without them the local sandbox's are used.
 */
import { parseArgs } from 'node:util';
import { CliFailure, exitCodes, exitCodesHelp, usageError } from './cli-errors.ts';
import type { Command, OptionSpec } from './command.ts';
import { deadLetterCommands } from './commands/dead-letter-commands.ts';
import { messageCommands } from './commands/message-commands.ts';
import { operationCommands } from './commands/operation-commands.ts';
import { partnerCommands } from './commands/partner-commands.ts';
import { paymentCommands } from './commands/payment-commands.ts';

const commands: Command[] = [...operationCommands.slice(0, 4), ...deadLetterCommands, ...messageCommands, ...operationCommands.slice(4), ...paymentCommands, ...partnerCommands];

const globalOptions: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print what the admin API answered, as JSON (for scripts)' },
  help: { type: 'boolean', help: 'this help' },
};

const optionHelp = (options: Record<string, OptionSpec>) =>
  Object.entries(options)
    .map(([flag, o]) => `  --${flag}${o.value ? ` ${o.value}` : ''}`.padEnd(28) + o.help)
    .join('\n');

const environmentHelp = `environment:
  GATEWAY_URL          the gateway, e.g. http://10.0.0.5:8080 (default: the local sandbox's)
  GATEWAY_ADMIN_TOKEN  an admin token: viewer to look, operator to act (default: the local sandbox's)`;

function overview(): string {
  const width = Math.max(...commands.map((c) => `${c.name}${c.args ? ` ${c.args}` : ''}`.length)) + 2;
  return [
    'usage: gatewayctl <command> [arguments] [options]       gatewayctl <command> --help',
    '',
    'commands:',
    ...commands.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}${c.summary}`),
    '',
    'options for every command:',
    optionHelp(globalOptions),
    '',
    environmentHelp,
    '',
    exitCodesHelp,
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `usage: gatewayctl ${command.name}${command.args ? ` ${command.args}` : ''}${command.options ? ' [options]' : ''}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    optionHelp({ ...command.options, ...globalOptions }),
    '',
    exitCodesHelp,
  ].join('\n');
}

/** The words before the first option name the command: `dlq retry`, `queues`; a group word alone lists its commands. */
function findCommand(argv: string[]): { command?: Command; group?: Command[]; rest: string[] } {
  const [first, second] = argv;
  const two = commands.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === first);
  if (one) return { command: one, rest: argv.slice(1) };
  const group = commands.filter((c) => c.name.startsWith(`${first} `));
  return { group: group.length ? group : undefined, rest: argv.slice(1) };
}

async function main(argv: string[]): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(`${overview()}\n`);
    return argv.length ? exitCodes.ok : exitCodes.usage;
  }
  if (argv[0] === 'help') return main([...argv.slice(1), '--help']);
  const { command, group, rest } = findCommand(argv);
  if (!command) {
    if (group) {
      const wantsHelp = rest.includes('--help') || rest.includes('-h');
      const width = Math.max(...group.map((c) => `${c.name}${c.args ? ` ${c.args}` : ''}`.length)) + 2;
      const text = `${wantsHelp ? '' : `gatewayctl: ${argv[0]} needs one of:\n`}${group.map((c) => `  gatewayctl ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}${c.summary}`).join('\n')}\n(gatewayctl ${argv[0]} <command> --help for its options)\n`;
      (wantsHelp ? process.stdout : process.stderr).write(text);
      return wantsHelp ? exitCodes.ok : exitCodes.usage;
    }
    throw usageError(`unknown command "${argv.slice(0, 2).join(' ')}" (gatewayctl --help lists the commands)`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...Object.fromEntries(Object.entries({ ...command.options, ...globalOptions }).map(([k, o]) => [k, o.multiple ? { type: o.type, multiple: true } : { type: o.type }])), help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw usageError(`${/^[^.\n]*/.exec((err as Error).message)![0]} (gatewayctl ${command.name} --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return exitCodes.ok;
  }
  const expected = command.args ? 1 : 0;
  if (positionals.length > expected) throw usageError(`unexpected argument "${positionals[expected]}" (gatewayctl ${command.name} --help)`);
  const output = await command.run({ values, positionals });
  const printed = values.json ? (output.data === undefined ? '' : JSON.stringify(output.data, null, 2)) : output.text;
  if (printed) process.stdout.write(`${printed}\n`);
  if (output.failure) throw new CliFailure(output.failure);
  return exitCodes.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Known failures are one line; anything else is a bug of ours, still one line (GATEWAYCTL_DEBUG=1 for the stack).
    const known = err instanceof CliFailure;
    const message = known ? err.message : `internal error: ${(err as Error).message}`;
    process.stderr.write(`gatewayctl: ${message}\n`);
    if (!known && process.env.GATEWAYCTL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = known ? err.exitCode : exitCodes.failed;
  },
);
