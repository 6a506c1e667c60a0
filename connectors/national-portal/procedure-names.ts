import { createHash } from 'node:crypto';

/** Fields of the simulated portal's catalogue (LayThuTuc answers), as the public client reads them. */
const fields = [
  ['G09-XD', 'Hoạt động xây dựng'],
  ['G09-TP', 'Chứng thực'],
  ['G09-HT', 'Hộ tịch'],
  ['G09-DD', 'Đất đai'],
  ['G09-KD', 'Thành lập và hoạt động của hộ kinh doanh'],
] as const;

/**
 * The simulated catalogue: a procedure code shaped like the national list's (`1.001612.000.00.00.H22`) is known,
 * with a name and field made from it; any other code is unknown (LayThuTuc answers an empty result).
 */
export function simulatedProcedure(code: string): Record<string, unknown> | undefined {
  if (!/^[0-9]\.[0-9]{6}(\.|$)/.test(code)) return undefined;
  const n = createHash('sha256').update(code).digest()[0]! % fields.length;
  const [MALINHVUC, TENLINHVUC] = fields[n]!;
  return { MATTHC: code, TENTTHC: `Thủ tục hành chính ${code.split('.').slice(0, 2).join('.')}`, LINHVUCTHUCHIEN: [{ MALINHVUC, TENLINHVUC }] };
}
