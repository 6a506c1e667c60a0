import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parseXml } from '../../src/pipeline/parse-body.ts';

describe('XML parsing', () => {
  it('refuses external entities (XXE) without reading anything', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><DossierStatus><note>&x;</note></DossierStatus>';
    await expect(parseXml(Buffer.from(xxe))).rejects.toMatchObject({ code: 'BODY_MALFORMED' });
  });
  it('turns elements into a document and keeps Vietnamese text intact', async () => {
    const parsed = await parseXml(Buffer.from('<DossierStatus><note>Đã trả kết quả</note><status>10</status></DossierStatus>'));
    expect(parsed).toMatchObject({ format: 'xml', root: 'DossierStatus', document: { note: 'Đã trả kết quả', status: '10' } });
  });
});

describe('national portal mapping', () => {
  it('writes times as yyyyMMddHHmmss in Asia/Ho_Chi_Minh whatever the offset sent', () => {
    expect(toCompactVnTime('2026-11-23T09:15:00+07:00')).toBe('20261123091500');
    expect(toCompactVnTime('2026-11-23T02:15:00Z')).toBe('20261123091500');
    expect(toCompactVnTime('2026-11-22T23:30:00-05:00')).toBe('20261123113000');
  });
});

describe('logging', () => {
  it('redacts personal data wherever it sits in a log object', () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (c, _e, done) => (lines.push(c.toString()), done()) }));
    logger.info({ applicant: { fullName: 'Lê Văn Tám', personalId: '001203004567' } }, 'a');
    logger.info({ payload: { applicant: { fullName: 'Lê Văn Tám' } }, personalId: '001203004567' }, 'b');
    logger.info({ job: { data: { payload: { dateOfBirth: '2003-01-01' } } } }, 'c');
    logger.child({ efforts: [{ SoDinhDanh: '001203004567' }] }).info({ headers: { authorization: 'Bearer sbx_secret' } }, 'd');
    const all = lines.join('');
    expect(lines).toHaveLength(4);
    expect(all).not.toMatch(/Lê Văn Tám|001203004567|2003-01-01|sbx_secret/);
    expect(all).toContain('[redacted]');
  });
});
