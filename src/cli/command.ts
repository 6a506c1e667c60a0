import { CliFailure, usageError } from './cli-errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** What the value is, in help: `--reason R`. */
  value?: string;
  help: string;
}

export interface CommandArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

/** What a command prints: `data` with --json, else `text`. */
export interface CommandOutput {
  data: unknown;
  text: string;
  /** Printed output that is still a negative finding (a settlement that differs): exit 1 after printing it. */
  failure?: string;
}

export interface Command {
  /** One or two words: `queues`, `dlq retry`. */
  name: string;
  /** Positional arguments, as help shows them: `<messageId>`. */
  args?: string;
  summary: string;
  /** More lines for `<command> --help`. */
  details?: string;
  options?: Record<string, OptionSpec>;
  run(args: CommandArgs): Promise<CommandOutput>;
}

export const reasonOption: Record<string, OptionSpec> = { reason: { type: 'string', value: 'R', help: 'why (required: every operator action is audited with its reason)' } };

export function requireReason(values: CommandArgs['values']): string {
  const reason = values.reason;
  if (typeof reason !== 'string' || !reason) throw usageError('--reason "…" is required: every operator action is audited with its reason');
  return reason;
}

export function requireArg(args: CommandArgs, index: number, name: string, command: string): string {
  const value = args.positionals[index];
  if (!value) throw usageError(`${command} needs ${name} (gatewayctl ${command} --help)`);
  return value;
}

export const notFound = (message: string) => new CliFailure(message);
