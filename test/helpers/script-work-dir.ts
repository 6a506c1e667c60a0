import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh work dir for a script (bench, bench:redis, chaos) that is also its TMPDIR from now on: whatever else asks
 * os.tmpdir() (the test PKI behind the partner's signer, configs and Redis dirs of the processes it starts, which
 * inherit TMPDIR) makes its dirs there, so removing the work dir at the end removes them all.
 */
export function scriptWorkDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.env.TMPDIR = dir;
  return dir;
}
