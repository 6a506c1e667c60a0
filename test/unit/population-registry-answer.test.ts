import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromLookupResponse } from '../../connectors/population-db/soap-answer.ts';
import { soapFault, toLookupResponse } from '../../connectors/population-db/simulated-answer.ts';
import { wellKnownCitizens } from '../../connectors/population-db/synthetic-citizens.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/population-registry', name), 'utf8');

describe("reading the population registry's answer", () => {
  it('reads the bare shape of the public samples (Body > ns1:CongdanCollection), the whole name in Ten, both IDs, and ignores relatives', async () => {
    expect(await fromLookupResponse(fixture('answer-bare.xml'))).toEqual({
      kind: 'found',
      identifiers: { SoDinhDanh: '079188004321', SoCMND: '025188432' },
      record: { fullName: 'TRẦN THỊ BÍCH NGỌC', dateOfBirth: '1988-11-02' },
    });
  });

  it('reads the shape with a TraCuuThongTinCongDanResponse wrapper, a name in three parts and a year-only birth date', async () => {
    expect(await fromLookupResponse(fixture('answer-response-wrapper.xml'))).toEqual({
      kind: 'found',
      identifiers: { SoDinhDanh: '036155000123', SoCMND: undefined },
      record: { fullName: 'Lê Thị Lệ', dateOfBirth: '1955' },
    });
  });

  it('reads an empty collection as "not found", and a SOAP Fault as a fault', async () => {
    expect(await fromLookupResponse(fixture('answer-empty.xml'))).toEqual({ kind: 'not-found' });
    expect(await fromLookupResponse(soapFault('He thong dang bao tri'))).toEqual({ kind: 'fault', message: 'He thong dang bao tri' });
  });

  it('refuses what is not such an answer: no envelope, no collection, two citizens, a DTD, a record without ID', async () => {
    await expect(fromLookupResponse('<html><body>LGSP error</body></html>')).rejects.toThrow('not a SOAP envelope');
    await expect(fromLookupResponse('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x/></soapenv:Body></soapenv:Envelope>')).rejects.toThrow('no CongdanCollection');
    const one = toLookupResponse(wellKnownCitizens[0]);
    const two = one.replace(/(<ns1:CongDan>.*<\/ns1:CongDan>)/, '$1$1');
    await expect(fromLookupResponse(two)).rejects.toThrow('more than one citizen');
    await expect(fromLookupResponse(`<!DOCTYPE x [<!ENTITY a "b">]>${one}`)).rejects.toThrow('DTD');
    await expect(fromLookupResponse(one.replace(/<ns1:SoDinhDanh>\d+<\/ns1:SoDinhDanh>/, ''))).rejects.toThrow('lacks SoDinhDanh/SoCMND');
  });

  it("reads back what the simulator writes, in both shapes", async () => {
    for (const shape of ['bare', 'response-wrapper'] as const) {
      expect(await fromLookupResponse(toLookupResponse(wellKnownCitizens[1], shape))).toEqual({
        kind: 'found',
        identifiers: { SoDinhDanh: '079188004321', SoCMND: '025188432' },
        record: { fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' },
      });
    }
  });
});
