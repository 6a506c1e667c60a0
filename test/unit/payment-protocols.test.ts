import { describe, expect, it } from 'vitest';
import { sameHash, signedDataOf, signParams, verifyParams } from '../../connectors/bank-vnpay/secure-hash.ts';
import { fromCompactVnTime, toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { statementFromIpn } from '../../connectors/bank-vnpay/mapping.ts';
import { vnpayOptionsOf } from '../../connectors/bank-vnpay/options.ts';
import { Bulkhead, BulkheadFull } from '../../src/citizens/bulkhead.ts';
import { parseSettlementCsv } from '../../src/payments/reconcile.ts';
import { stableMessageId } from '../../src/messages/publish-message.ts';

const secret = 'test-hash-secret-0123456789';
const params: Record<string, string> = {
  vnp_Version: '2.1.0', vnp_Command: 'pay', vnp_TmnCode: 'TESTTMN1', vnp_Amount: '20000000', vnp_CurrCode: 'VND', vnp_TxnRef: 'abc123',
  vnp_OrderInfo: 'Thanh toan phi ho so 000.00.01.H22-0001', vnp_OrderType: 'other', vnp_Locale: 'vn',
  vnp_ReturnUrl: 'https://motcua.example.gov.vn/ket-qua?x=1&y=2', vnp_IpAddr: '127.0.0.1', vnp_CreateDate: '20261123101500', vnp_SecureHashType: 'HmacSHA512',
};

describe('VNPAY-style secure hash', () => {
  it('signs the sorted, form-encoded vnp_* fields like an independent implementation (Python hmac + urllib)', () => {
    expect(signedDataOf(params)).toBe(
      'vnp_Amount=20000000&vnp_Command=pay&vnp_CreateDate=20261123101500&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+phi+ho+so+000.00.01.H22-0001&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example.gov.vn%2Fket-qua%3Fx%3D1%26y%3D2&vnp_TmnCode=TESTTMN1&vnp_TxnRef=abc123&vnp_Version=2.1.0',
    );
    const query = signParams(params, secret);
    expect(query.endsWith('&vnp_SecureHash=4047c2e470079c99d491032a716f76aff73a18c3c8bb50263d05e0a7cfdce622a6c42431f8167141ec3fe1ad2455c9f7de68a133308271a59b0ad682c9d21bc4')).toBe(true);
    // What the bank's server receives after URL decoding verifies; one changed value does not.
    const received = Object.fromEntries(new URLSearchParams(query));
    expect(verifyParams(received, secret)).toBe(true);
    expect(verifyParams({ ...received, vnp_Amount: '2000000' }, secret)).toBe(false);
    expect(verifyParams({ ...received, vnp_SecureHash: undefined as unknown as string }, secret)).toBe(false);
  });

  it('compares hashes in constant time, case-insensitively, refusing non-hex and short values', () => {
    const h = 'ab'.repeat(64);
    expect(sameHash(h, h.toUpperCase())).toBe(true);
    expect(sameHash(h, h.slice(2))).toBe(false);
    expect(sameHash(h, 'zz' + h.slice(2))).toBe(false);
  });

  it('reads dates in GMT+7 and amounts ×100', () => {
    expect(toCompactVnTime('2026-11-23T03:15:00Z')).toBe('20261123101500');
    expect(fromCompactVnTime('20261123101500')).toBe('2026-11-23T03:15:00.000Z');
    const statement = statementFromIpn(
      { vnp_TmnCode: 'TESTTMN1', vnp_Amount: '20000050', vnp_TxnRef: 'abc', vnp_ResponseCode: '00', vnp_TransactionStatus: '00', vnp_TransactionNo: '1', vnp_PayDate: '20261123101500' },
      vnpayOptionsOf({ tmnCode: 'TESTTMN1', hashSecret: secret }),
    );
    expect(statement).toMatchObject({ amount: 200000.5, outcome: 'paid' }); // a fraction of a đồng never equals an integer amount
  });
});

describe('settlement files', () => {
  it('reads columns by header name, skips non-settlements, names bad lines', () => {
    const rows = parseSettlementCsv('\uFEFFamount,order_id,transaction_no,currency,paid_at,status\r\n150000,P1,T1,VND,2026-11-23,SUCCESS\r\n1,P2,T2,VND,2026-11-23,FAILED\r\n\r\n');
    expect(rows).toEqual([{ line: 2, transactionNo: 'T1', orderId: 'P1', amount: 150000, currency: 'VND', paidAt: '2026-11-23' }]);
    expect(() => parseSettlementCsv('order_id,amount\nP1,1')).toThrow(/header lacks columns/);
    expect(() => parseSettlementCsv('transaction_no,order_id,amount,currency,paid_at\nT1,P1,-5,VND,x\nT2,P2')).toThrow(/bad lines/);
  });
});

describe('internal message ids and the bulkhead', () => {
  it('derives the same UUID-shaped id for the same event and destination, another for another', () => {
    const a = stableMessageId('payment.result.v1|p1|provincial-system');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableMessageId('payment.result.v1|p1|provincial-system')).toBe(a);
    expect(stableMessageId('payment.result.v1|p1|national-portal')).not.toBe(a);
  });

  it('runs at most maxConcurrent calls, queues the next ones briefly, refuses after the wait', async () => {
    const bulkhead = new Bulkhead(2, 50);
    let peak = 0;
    const call = (ms: number) =>
      bulkhead.run(async () => {
        peak = Math.max(peak, bulkhead.active);
        await new Promise((r) => setTimeout(r, ms));
        return ms;
      });
    const quick = await Promise.allSettled([call(20), call(20), call(5)]);
    expect(quick.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']); // the third waited 20 ms for a slot
    const slow = await Promise.allSettled([call(200), call(200), call(5)]);
    expect(slow[2]).toMatchObject({ status: 'rejected', reason: expect.any(BulkheadFull) });
    expect(peak).toBe(2);
  });
});
