import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Personal data never reaches a log line. The gateway does not log bodies, but these paths are
 * redacted wherever they appear (up to two levels down), as a safety net for future log calls.
 */
const piiKeys = ['applicant', 'personalId', 'fullName', 'dateOfBirth', 'SoDinhDanh', 'ChuHoSo', 'HoVaTen', 'NgayThangNamSinh'];
const secretPaths = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'headers.authorization',
  'headers["x-signature"]',
  'clientSecret',
  '*.clientSecret',
];

export const redactPaths = [
  ...piiKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  ...secretPaths,
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'gateway' } }, destination);
}

export type { Logger };
