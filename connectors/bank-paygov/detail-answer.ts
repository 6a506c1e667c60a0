import type { ExpectedPayment, ProviderStatement } from '../../src/payments/payment-provider.ts';
import { sameChecksum, transactionChecksum } from './checksum.ts';
import { checksumFieldsOf, statementOf } from './mapping.ts';
import type { PaygovOptions } from './options.ts';

/**
 * The detail (query) answer. The public client sends the detail request but hands the answer on unread, so its
 * shape is OUR profile, built from the platform's own vocabulary:
 *   `{error: "0", msg, transaction_id, transaction_code, trans_amount, status, check_sum}`: the callback's
 *   fields and checksum rule (hashKey2, over the expected transaction); `status` 0 paid, another integer not
 *   paid, absent while the citizen has not finished;
 *   `{error: "1", msg}`: the platform has no such transaction.
 * Anything else is an error worth retrying later.
 */
export async function readDetailAnswer(json: unknown, payment: ExpectedPayment, options: PaygovOptions): Promise<ProviderStatement | 'pending' | 'unknown'> {
  const answer = (json ?? {}) as Record<string, unknown>;
  const error = String(answer.error ?? '');
  if (error === '1') return 'unknown';
  if (error !== '0') throw new Error(`detail answered error ${error || '(none)'}: ${String(answer.msg ?? '').slice(0, 200)}`);
  if (answer.transaction_id !== payment.paymentId) throw new Error('detail answered about another transaction');
  if (answer.status === undefined || answer.status === null) {
    if (!sameChecksum(transactionChecksum(options.hashKey2, checksumFieldsOf(payment, options)), answer.check_sum)) {
      throw new Error('detail answer refused: check_sum does not match the expected transaction');
    }
    return 'pending';
  }
  return statementOf(answer, options, async () => payment).catch((err: Error) => {
    throw new Error(`detail answer refused: ${err.message}`);
  });
}
