import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsPretty } from '../../src/logging/logger.ts';
import { traceHeaders, traceIdOfHeaders, traceIdOfTraceparent, w3cTraceIdOf } from '../../src/observability/trace-context.ts';
import { until } from '../helpers/until.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceparent', () => {
  it('reads the trace id of a valid header (the W3C example), and of a later version with more fields', () => {
    expect(traceIdOfTraceparent(`00-${traceId}-00f067aa0ba902b7-01`)).toBe(traceId);
    expect(traceIdOfTraceparent(`00-${traceId}-00f067aa0ba902b7-00`)).toBe(traceId);
    expect(traceIdOfTraceparent(`cc-${traceId}-00f067aa0ba902b7-09-what-comes-later`)).toBe(traceId);
  });

  it.each([
    ['version ff', `ff-${traceId}-00f067aa0ba902b7-01`],
    ['version 00 with more fields', `00-${traceId}-00f067aa0ba902b7-01-extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${traceId}-0000000000000000-01`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${traceId.slice(1)}-00f067aa0ba902b7-01`],
    ['two headers joined', `00-${traceId}-00f067aa0ba902b7-01, 00-${traceId}-00f067aa0ba902b8-01`],
  ])('refuses %s', (_case, header) => {
    expect(traceIdOfTraceparent(header)).toBeUndefined();
  });

  it('prefers traceparent, then X-Trace-Id, then makes a W3C id of its own', () => {
    expect(traceIdOfHeaders({ traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-trace-id': 'legacy-trace-1' })).toBe(traceId);
    expect(traceIdOfHeaders({ traceparent: 'garbage', 'x-trace-id': 'legacy-trace-1' })).toBe('legacy-trace-1');
    expect(traceIdOfHeaders({ 'x-trace-id': 'bad id with spaces' })).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOfHeaders({})).not.toBe(traceIdOfHeaders({}));
  });

  it('sends X-Trace-Id as it is and a traceparent with the W3C form of it and a new parent id per call', () => {
    const first = traceHeaders(traceId);
    const second = traceHeaders(traceId);
    expect(first['x-trace-id']).toBe(traceId);
    expect(first.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(first.traceparent).not.toBe(second.traceparent);
    // Another form maps to a stable W3C id, the same on every call.
    expect(w3cTraceIdOf('case-123-abc')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceHeaders('case-123-abc').traceparent.slice(3, 35)).toBe(w3cTraceIdOf('case-123-abc'));
    expect(w3cTraceIdOf(traceId.toUpperCase())).toBe(traceId);
  });
});

describe('log format', () => {
  const capture = (tty: boolean) => {
    const stream = Object.assign(new PassThrough(), tty ? { isTTY: true } : {});
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { stream, text: () => text };
  };

  it('is pino-pretty when the output is a terminal, JSON otherwise, unless the config forces one', () => {
    expect(wantsPretty('auto', capture(true).stream)).toBe(true);
    expect(wantsPretty('auto', capture(false).stream)).toBe(false);
    expect(wantsPretty('json', capture(true).stream)).toBe(false);
    expect(wantsPretty('pretty', capture(false).stream)).toBe(true);
  });

  it('writes human lines to a terminal, with personal data scrubbed as in JSON', async () => {
    const terminal = capture(true);
    createLogger('info', terminal.stream).child({ messageId: 'm-1', traceId }).info({ applicant: { fullName: 'Nguyễn Văn A' } }, 'accepted');
    const text = await until('a pretty line', async () => terminal.text(), (t) => t.includes('accepted'));
    expect(text).toMatch(/INFO.*accepted/);
    expect(text).toContain(`traceId: "${traceId}"`);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('Nguyễn Văn A');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });

  it('writes one JSON object a line elsewhere', async () => {
    const pipe = capture(false);
    createLogger('info', pipe.stream).info({ traceId }, 'accepted');
    const text = await until('a JSON line', async () => pipe.text(), (t) => t.endsWith('\n'));
    expect(JSON.parse(text)).toMatchObject({ level: 30, msg: 'accepted', traceId, service: 'gateway' });
  });
});
