import { describe, expect, it } from 'vitest';
import { vnpayOptionsOf } from '../../connectors/bank-vnpay/options.ts';
import { refundAnswerHashes, toRefundRequest } from '../../connectors/bank-vnpay/refund-mapping.ts';
import { pipeHash } from '../../connectors/bank-vnpay/secure-hash.ts';
import type { ExpectedPayment } from '../../src/payments/payment-provider.ts';

/**
 * Golden fixture: the body npm vnpay sends for its own test input (test/__helpers__/test-fixtures.ts
 * DEFAULT_REFUND_INPUT with DEFAULT_VNPAY_CONFIG), worked out by reading src/services/query.service.ts
 * `QueryService.refund`: `{...data, vnp_Command: 'refund', vnp_Version, vnp_TmnCode, vnp_Amount: data.vnp_Amount * 100,
 * vnp_SecureHash}` where the hash is HMAC-SHA512 over the 13 fields
 * RequestId|Version|Command|TmnCode|TransactionType|TxnRef|Amount|TransactionNo|TransactionDate|CreateBy|CreateDate|IpAddr|OrderInfo.
 * The hash below was computed independently (Python hmac) over that string.
 */
const packageBody = {
  vnp_RequestId: 'REFUND123456',
  vnp_Version: '2.1.0',
  vnp_Command: 'refund',
  vnp_TmnCode: 'TEST_TMN_CODE',
  vnp_TransactionType: '02',
  vnp_TxnRef: 'TXN123456789',
  vnp_Amount: 1000000,
  vnp_TransactionNo: 14422574,
  vnp_TransactionDate: 20231221103000,
  vnp_CreateBy: 'merchant_user',
  vnp_CreateDate: 20231221103000,
  vnp_IpAddr: '127.0.0.1',
  vnp_OrderInfo: 'Test refund order',
  vnp_SecureHash: '1b0d3f82bc64cda12af250a284e72895b965ad745fef5a5b4f2b0ab50142e0089598fd9fd28e73d1c4ede96932996c3b08b4e9ab8a02fa5e88ecc555afba9a33',
};

describe('VNPAY refund request', () => {
  it('matches npm vnpay field by field for the same refund (amount ×100 as a number; the other fields as strings)', () => {
    const payment = { paymentId: 'TXN123456789', transactionNo: '14422574', createdAt: '2023-12-21T03:30:00Z' } as ExpectedPayment;
    const ours = toRefundRequest(
      payment,
      { refundId: 'REFUND123456', amount: 10000, kind: 'full', requestedBy: 'merchant_user' },
      vnpayOptionsOf({ tmnCode: 'TEST_TMN_CODE', hashSecret: 'test_secret' }),
      Date.parse('2023-12-21T03:30:00Z'),
      'Test refund order',
    );
    expect(Object.keys(ours).sort()).toEqual(Object.keys(packageBody).sort());
    for (const [field, value] of Object.entries(packageBody)) {
      // npm vnpay passes dates and the transaction number through as its caller gave them (numbers in its fixture).
      expect(String(ours[field as keyof typeof ours]), field).toBe(String(value));
    }
    expect(ours.vnp_Amount).toBe(1000000);
  });

  it('is partial (03) for a part, and reads an answer signed over the amount as sent or, like npm vnpay, over amount/100', () => {
    const options = vnpayOptionsOf({ tmnCode: 'T1', hashSecret: 's' });
    const body = toRefundRequest({ paymentId: 'p1', transactionNo: '9', createdAt: '2026-11-23T03:15:00Z' } as ExpectedPayment, { refundId: 'r1', amount: 50_000, kind: 'partial', requestedBy: 'op' }, options);
    expect(body).toMatchObject({ vnp_TransactionType: '03', vnp_Amount: 5_000_000, vnp_TransactionDate: '20261123101500' });
    const answer = { vnp_ResponseId: '1', vnp_Command: 'refund', vnp_ResponseCode: '00', vnp_Message: 'ok', vnp_TmnCode: 'T1', vnp_TxnRef: 'p1', vnp_Amount: 5_000_000 };
    const fields = (amount: number) => ['1', 'refund', '00', 'ok', 'T1', 'p1', amount, '', '', '', '', '', ''];
    expect(refundAnswerHashes('s', answer)).toEqual([pipeHash('s', fields(5_000_000)), pipeHash('s', fields(50_000))]);
  });
});
