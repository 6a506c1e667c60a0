import { describe, expect, it } from 'vitest';
import { formEncoders, portableOrderInfo } from '../../connectors/bank-vnpay/form-encoding.ts';
import { toPayParams } from '../../connectors/bank-vnpay/mapping.ts';
import { vnpayOptionsOf } from '../../connectors/bank-vnpay/options.ts';
import { hmacSha512, signedDataOf, signParams, verifyParams } from '../../connectors/bank-vnpay/secure-hash.ts';
import type { ExpectedPayment } from '../../src/payments/payment-provider.ts';

const secret = 'test-hash-secret-0123456789';
/** Every character the public encodings disagree on, plus spaces and a percent sign. */
const tricky = "Le phi (ban sao)! it's *gap* ~ 50%";

describe('VNPAY form encoding of vnp_OrderInfo with !\'()*~ and spaces', () => {
  it('differs between the three public readings exactly where their specifications say', () => {
    // WHATWG urlencoded serializer (npm vnpay's URLSearchParams; Java URLEncoder): keeps *, encodes !'()~.
    expect(formEncoders.whatwg(tricky)).toBe('Le+phi+%28ban+sao%29%21+it%27s+*gap*+%7E+50%25');
    // VNPAY's Node.js sample: encodeURIComponent keeps !'()*~, then %20 → +.
    expect(formEncoders.encodeURIComponentPlus(tricky)).toBe("Le+phi+(ban+sao)!+it's+*gap*+~+50%25");
    // VNPAY's PHP sample: urlencode encodes all but -_. (so * and ~ too).
    expect(formEncoders.phpUrlencode(tricky)).toBe('Le+phi+%28ban+sao%29%21+it%27s+%2Agap%2A+%7E+50%25');
  });

  it('signs like npm vnpay: its buildPaymentUrlSearchParams test (test/unit/utils/payment-util.test.ts) gives the same signed string', () => {
    expect(signedDataOf({ vnp_Amount: '10000', vnp_TnxRef: '1234567890', vnp_OrderInfo: 'Payment for order #1234567890' })).toBe(
      'vnp_Amount=10000&vnp_OrderInfo=Payment+for+order+%231234567890&vnp_TnxRef=1234567890',
    );
  });

  it("verifies npm vnpay's own signed IPN fixture (test/__helpers__/test-fixtures.ts DEFAULT_RETURN_QUERY_INPUT, secret test_secret)", () => {
    const ipn = {
      vnp_Amount: '1000000', vnp_BankCode: 'NCB', vnp_BankTranNo: 'VNP14422574', vnp_CardType: 'ATM', vnp_OrderInfo: 'Thanh toan don hang 2024-05-21T02:17:31.249Z',
      vnp_PayDate: '20240521091806', vnp_ResponseCode: '00', vnp_TmnCode: 'TEST_TMN_CODE', vnp_TransactionNo: '14422574', vnp_TransactionStatus: '00', vnp_TxnRef: '1716257871703',
      vnp_SecureHash: '649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895',
    };
    expect(verifyParams(ipn, 'test_secret')).toBe(true);
    expect(verifyParams({ ...ipn, vnp_Amount: '100000' }, 'test_secret')).toBe(false);
  });

  it('accepts an IPN whose vnp_OrderInfo holds !\'()*~ signed in any of the three readings, and none signed with another secret', () => {
    const ipn: Record<string, string> = { vnp_TmnCode: 'TESTTMN1', vnp_Amount: '20000000', vnp_TxnRef: 'abc', vnp_OrderInfo: tricky, vnp_ResponseCode: '00' };
    for (const encoding of ['whatwg', 'encodeURIComponentPlus', 'phpUrlencode'] as const) {
      const signed = { ...ipn, vnp_SecureHash: hmacSha512(secret, signedDataOf(ipn, encoding)) };
      expect(verifyParams(signed, secret), encoding).toBe(true);
      expect(verifyParams(signed, `${secret}x`), encoding).toBe(false);
      expect(verifyParams({ ...signed, vnp_OrderInfo: `${tricky}!` }, secret), encoding).toBe(false);
    }
    // The three signed strings really differ: without the lenient check two of them would be refused.
    expect(new Set(['whatwg', 'encodeURIComponentPlus', 'phpUrlencode'].map((e) => signedDataOf(ipn, e as 'whatwg'))).size).toBe(3);
  });

  it('sends vnp_OrderInfo reduced to characters all three agree on, so VNPAY verifies our pay URL whichever it uses', () => {
    expect(portableOrderInfo("Lệ phí (bản sao)! it's *gấp* ~ Đăng ký")).toBe('Le phi ban sao it s gap Dang ky');
    const payment = {
      paymentId: 'p1', amount: 200_000, currency: 'VND', description: `Phí hồ sơ ${tricky}`, returnUrl: 'https://motcua.example.gov.vn/kq?x=1',
      createdAt: '2026-11-23T03:15:00Z', expiresAt: '2026-11-23T03:30:00Z',
    } as ExpectedPayment;
    const params = toPayParams(payment, vnpayOptionsOf({ tmnCode: 'TESTTMN1', hashSecret: secret }));
    expect(params.vnp_OrderInfo).toBe('Phi ho so Le phi ban sao it s gap 50');
    const readings = new Set((['whatwg', 'encodeURIComponentPlus', 'phpUrlencode'] as const).map((e) => signedDataOf(params, e)));
    expect(readings.size).toBe(1);
    // And what the bank decodes from our URL verifies.
    expect(verifyParams(Object.fromEntries(new URLSearchParams(signParams(params, secret))), secret)).toBe(true);
  });
});
