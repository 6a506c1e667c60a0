import { Writable } from 'node:stream';
import { expect, it, vi } from 'vitest';
import { lazyChild } from '../../src/logging/lazy-child.ts';
import { createLogger } from '../../src/logging/logger.ts';

function logTo(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) });
  return { logger: createLogger(level, out, 'json'), lines };
}

it('makes no child for lines below the level, and a whole one (every binding, scrubbed) for a line written', () => {
  const { logger, lines } = logTo('warn');
  const childOf = vi.spyOn(logger, 'child');
  const request = lazyChild(logger, { reqId: 'req-1', traceId: 't-1' });
  const partner = request.child({ partner: 'province-a', personalId: '001099012345' });
  partner.info('accepted');
  request.debug({ x: 1 }, 'detail');
  expect(partner.isLevelEnabled('info')).toBe(false);
  expect(partner.level).toBe('warn');
  // fastify looks at every level method of a request's logger (enabled ones too) before using it.
  expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => typeof partner[level as 'info'])).toEqual(Array(6).fill('function'));
  expect(childOf).not.toHaveBeenCalled();
  expect(lines).toEqual([]);

  partner.warn({ err: 'slow' }, 'store slow');
  expect(childOf).toHaveBeenCalledTimes(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 40, msg: 'store slow', err: 'slow', reqId: 'req-1', traceId: 't-1', partner: 'province-a' });
  expect(lines[0]!.personalId).not.toBe('001099012345'); // bindings are scrubbed as a real child's are
});

it('writes at an enabled level, and a level set on the child is its own', () => {
  const { logger, lines } = logTo('info');
  const request = lazyChild(logger, { reqId: 'req-2' });
  request.info('incoming request');
  expect(lines.map((l) => [l.msg, l.reqId])).toEqual([['incoming request', 'req-2']]);
  request.level = 'error';
  request.warn('not written');
  expect(lines).toHaveLength(1);
  expect(logger.isLevelEnabled('warn')).toBe(true);
});
