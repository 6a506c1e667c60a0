import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Keys whose values are personal data (ours and the national systems' names for them). */
const personalDataKeys = new Set([
  'applicant',
  'personalId',
  'fullName',
  'dateOfBirth',
  'SoDinhDanh',
  'SoCMND',
  'MaCanBo',
  'SoDienThoai',
  'officer',
  'officerId',
  'officerPhone',
  'ChuHoSo',
  'HoVaTen',
  'NgayThangNamSinh',
  'citizen',
  'phone',
  'address',
  'ReceiverName',
  'ReceiverAddress',
  'ReceiverTel',
  'SenderName',
  'SenderAddress',
  'SenderTel',
  'HoTenNguoiNop',
  'SoCMNDNguoiNop',
  'DiaChiNguoiNop',
]);
/** Credentials that must not be logged either. */
const secretKeys = new Set(['authorization', 'x-signature', 'clientSecret', 'apiKey', 'password', 'secret', 'hashSecret', 'hashKey1', 'hashKey2', 'check_sum', 'secretKey', 'keyPass', 'lgspaccesstoken', 'authhash']);
export const redactedValue = '[redacted]';
const maxDepth = 8;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function scrubValue(value: unknown, depth: number, replace: (value: unknown) => unknown): unknown {
  if (depth >= maxDepth) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = scrubValue(item, depth + 1, replace);
      if (next !== item) (out ??= [...value])[i] = next;
    });
    return out ?? value;
  }
  return isPlainObject(value) ? scrubPersonalData(value, depth + 1, replace) : value;
}

/**
 * Replaces personal data and secrets at any depth of a log object, copying only what it changes.
 * Only plain objects and arrays are walked: fastify's req/res and errors go through their own serializers,
 * which never include bodies or headers. This is pino's `formatters.log`, so it runs on every line written.
 * (pino's path-based `redact` needs a wildcard path per depth and cost ~30 µs a line here; this costs ~1 µs.)
 */
export function scrubPersonalData(object: Record<string, unknown>, depth = 0, replace: (value: unknown) => unknown = () => redactedValue): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in object) {
    const value = object[key];
    const next = personalDataKeys.has(key) || secretKeys.has(key) ? replace(value) : scrubValue(value, depth, replace);
    if (next !== value) (out ??= { ...object })[key] = next;
  }
  return out ?? object;
}

/** `pretty`: pino-pretty's coloured lines; `json`: one JSON object a line; `auto`: pretty when writing to a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * A person watching a terminal reads pino-pretty's lines; anything else (a file, a pipe, a log shipper, a container
 * runtime) gets JSON. The destination decides: stdout by default, or the stream given.
 */
export function wantsPretty(format: LogFormat, destination?: DestinationStream): boolean {
  if (format !== 'auto') return format === 'pretty';
  return ((destination ?? process.stdout) as { isTTY?: boolean }).isTTY === true;
}

function prettyStream(destination?: DestinationStream): DestinationStream {
  // In the main thread and synchronous: a terminal is read by a person, and the last lines before an exit must show.
  return pretty({ destination: (destination ?? 1) as NodeJS.WritableStream | number, sync: true, colorize: destination === undefined ? pretty.isColorSupported : false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'auto'): Logger {
  const out = wantsPretty(format, destination) ? prettyStream(destination) : destination;
  // Scrubbing is a formatter, so it runs before either output: pretty lines are as free of personal data as JSON ones.
  const root = pino({ level, base: { service: 'gateway' }, formatters: { log: (object) => scrubPersonalData(object) } }, out);
  // pino applies formatters.bindings to the root only, never to child bindings. Children are created with
  // Object.create(parent), so this one override on the root scrubs the bindings of every descendant
  // (fastify's per-request loggers included).
  const pinoChild = Object.getPrototypeOf(root).child as Logger['child'];
  // fastify takes request/response serializers from `loggerInstance.serializers`. Query strings are cut from
  // logged URLs: callbacks carry signatures and amounts there, and a partner may put anything in one.
  Object.assign(root, {
    serializers: {
      req: (req: { method: string; url: string; host?: string; ip?: string }) => ({ method: req.method, url: req.url.split('?')[0], host: req.host, remoteAddress: req.ip }),
    },
  });
  root.child = function scrubbedChild(this: Logger, bindings, options) {
    return pinoChild.call(this, scrubPersonalData(bindings as Record<string, unknown>), options);
  } as Logger['child'];
  return root;
}

export type { Logger };
