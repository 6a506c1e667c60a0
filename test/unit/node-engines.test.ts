import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';

/**
 * `npm ci` warns EBADENGINE for every installed package whose `engines.node` leaves out the running Node. The lock
 * records each package's range, so this reads them all and asks whether each Node line the project supports (the
 * first release of each, and the Node running the tests) satisfies every one: a dependency bump that drops Node 20
 * fails here, before anyone sees the warning.
 */
const supported = ['20.19.0', '22.13.0', '24.0.0', process.versions.node];

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [major, minor, patch] = text.replace(/^v/, '').split('.').map((p) => (p === undefined || p === 'x' || p === '*' ? 0 : Number(p)));
  if (![major, minor, patch].every((n) => n === undefined || Number.isInteger(n))) throw new Error(`not a version: ${text}`);
  return [major ?? 0, minor ?? 0, patch ?? 0];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
/** The number of dot-separated parts that are digits: "20" pins a major, "20.1" a minor. */
const precision = (text: string) => text.split('.').filter((p) => /^\d+$/.test(p)).length;

/** One comparator of a node-semver range, e.g. ">=20.19.0", "^22", "20", "10.*". Throws on forms it does not know. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(\^|~|>=|<=|>|<|=)?v?(\*|\d+(?:\.(?:\d+|x|\*))?(?:\.(?:\d+|x|\*))?)$/.exec(comparator);
  if (!match) throw new Error(`range form this test does not read: "${comparator}"`);
  const [, op = '', text] = match;
  if (text === '*') return true;
  const bound = parse(text!);
  const parts = precision(text!);
  const upper = (level: number): Version => (level === 0 ? [bound[0] + 1, 0, 0] : level === 1 ? [bound[0], bound[1] + 1, 0] : [bound[0], bound[1], bound[2] + 1]);
  switch (op) {
    case '>=':
      return compare(version, bound) >= 0;
    case '>':
      return compare(version, parts < 3 ? upper(parts - 1) : bound) >= (parts < 3 ? 0 : 1);
    case '<':
      return compare(version, bound) < 0;
    case '<=':
      return compare(version, parts < 3 ? upper(parts - 1) : bound) < (parts < 3 ? 0 : 1);
    case '^':
      return compare(version, bound) >= 0 && compare(version, upper(bound[0] > 0 || parts === 1 ? 0 : bound[1] > 0 || parts === 2 ? 1 : 2)) < 0;
    case '~':
      return compare(version, bound) >= 0 && compare(version, upper(parts === 1 ? 0 : 1)) < 0;
    default: // "=", or bare: a partial version is a range over what it leaves open
      return parts === 3 ? compare(version, bound) === 0 : compare(version, bound) >= 0 && compare(version, upper(parts - 1)) < 0;
  }
}

export function satisfies(versionText: string, range: string): boolean {
  const version = parse(versionText);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => satisfiesComparator(version, comparator)),
  );
}

describe('supported Node versions', () => {
  it('reads node-semver ranges the way npm does (the forms the lock uses)', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.1', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('22.12.0', '>=22')).toBe(true);
    expect(satisfies('20.1.0', '18 || 20 || >=22')).toBe(true);
    expect(satisfies('21.0.0', '18 || 20 || >=22')).toBe(false);
    expect(satisfies('23.1.0', '^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(false);
    expect(satisfies('20.11.0', '>=18.20.0 <20 || >=20.12.1')).toBe(false);
    expect(satisfies('20.12.1', '>=18.20.0 <20 || >=20.12.1')).toBe(true);
    expect(satisfies('20.0.0', '>= 10.x')).toBe(true);
    expect(satisfies('20.0.0', '10.* || >= 12.*')).toBe(true);
    expect(satisfies('14.10.0', '>=16 || 14 >=14.17')).toBe(false);
    expect(() => satisfies('20.0.0', '>=20 - 22')).toThrowError(/does not read/);
  });

  it('package.json says which Node lines are supported, and the README says the same', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
    for (const version of supported) expect(satisfies(version, pkg.engines.node), `${version} within ${pkg.engines.node}`).toBe(true);
    expect(satisfies('20.18.0', pkg.engines.node)).toBe(false); // vite 8, behind vitest, needs 20.19
    expect(readFileSync(join(projectRoot, 'README.md'), 'utf8')).toContain('Node 20.19 or later, 22.13 or later, or 24');
  });

  it('every package npm ci installs accepts every supported Node (no EBADENGINE warning)', () => {
    const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
    const refusals: string[] = [];
    let ranges = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
      if (!path || !range) continue;
      ranges += 1;
      for (const version of supported) if (!satisfies(version, range)) refusals.push(`${path}@${entry.version} wants node ${range}, not ${version}`);
    }
    expect(ranges).toBeGreaterThan(50);
    expect(refusals).toEqual([]);
  });
});
