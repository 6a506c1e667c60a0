/**
 * gatewayctl's exit codes, for scripts and cron jobs. Every failure is one line on stderr, never a stack trace.
 *   0 done;  1 failed: not found, refused by the gateway, a negative finding (log broken, settlement differs), or the
 *   operator said no;  2 usage: unknown command or option, missing argument;  3 the gateway cannot be reached;
 *   4 not allowed: the admin token is unknown or its role may not do this.
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2, unreachable: 3, notAllowed: 4 } as const;

export const exitCodesHelp = `exit codes:
  0  done
  1  failed: not found, refused by the gateway, a negative finding (log broken, settlement differs), or not confirmed
  2  usage: unknown command or option, missing or malformed argument
  3  the gateway cannot be reached (the URL is named)
  4  not allowed: the admin token is unknown, or its role (viewer) may not act`;

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failed,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliFailure(message, exitCodes.usage);
