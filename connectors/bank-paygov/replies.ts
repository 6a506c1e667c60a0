import type { CallbackVerdict } from '../../src/payments/payment-provider.ts';

/**
 * The province's answer to a callback, as kpCallBack gives it (PayGateUtil.createResponseMessage): always HTTP
 * 200, `{return_code, return_msg}`, 0 for success and -1 for every refusal. A repeated callback for a payment
 * already settled is a success there too. The bad-checksum and system-error texts are the source's own.
 */
const replies: Record<CallbackVerdict, { return_code: number; return_msg: string }> = {
  confirmed: { return_code: 0, return_msg: 'success' },
  'already-confirmed': { return_code: 0, return_msg: 'success' },
  'invalid-signature': { return_code: -1, return_msg: 'error: check_sum invalid' },
  'not-found': { return_code: -1, return_msg: 'error: transaction not found' },
  'invalid-amount': { return_code: -1, return_msg: 'error: trans_amount does not match the transaction' },
  malformed: { return_code: -1, return_msg: 'error: data invalid' },
  error: { return_code: -1, return_msg: 'error: system exception' },
};

export const callbackReply = (verdict: CallbackVerdict) => ({ statusCode: 200, body: replies[verdict] });
