import { createInterface } from 'node:readline';

/**
 * Asks on stderr and reads one line from stdin: yes only for "y" or "yes". A closed or empty stdin (a script, a cron
 * job) is a no, so a bulk action never runs unconfirmed by accident; scripts say --yes.
 */
export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(`${question} [y/N] `);
  const lines = createInterface({ input: process.stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(''));
  });
  lines.close();
  process.stdin.destroy();
  if (!process.stdin.isTTY) process.stderr.write(`${answer}\n`);
  return /^\s*y(es)?\s*$/i.test(answer);
}
