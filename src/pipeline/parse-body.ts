import type { FastifyInstance } from 'fastify';
import { Parser } from 'xml2js';
import { GatewayError } from '../http/errors.ts';
import { checkXmlCharacters, decodeUtf8, MalformedText } from './decode-text.ts';
import type { ParsedBody } from './request-context.ts';

/**
 * Step 2, parse: JSON and XML bodies are read as raw bytes (the signature covers exactly these), must be UTF-8
 * (and, for XML, only XML 1.0 characters), and are parsed into a document. XML with a DTD is refused outright:
 * no entity of any kind is ever expanded.
 */
export function installBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    try {
      done(null, parseJson(raw as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer' }, (_request, raw, done) => {
    parseXml(raw as Buffer).then((body) => done(null, body), (err: Error) => done(err, undefined));
  });
}

/** The body's text, or BODY_MALFORMED naming the first byte that is not UTF-8 (or not an XML character). */
function textOf(raw: Buffer, format: 'json' | 'xml'): string {
  try {
    const text = decodeUtf8(raw);
    if (format === 'xml') checkXmlCharacters(text);
    return text;
  } catch (err) {
    if (!(err instanceof MalformedText)) throw err;
    throw new GatewayError('BODY_MALFORMED', `body is not accepted as ${format === 'xml' ? 'XML' : 'JSON'}: ${err.message}`, [{ path: '/', message: err.message }]);
  }
}

export function parseJson(raw: Buffer): ParsedBody {
  if (raw.length === 0) throw new GatewayError('BODY_MALFORMED', 'body is empty');
  const text = textOf(raw, 'json');
  try {
    return { format: 'json', raw, document: JSON.parse(text) };
  } catch (err) {
    throw new GatewayError('BODY_MALFORMED', 'body is not valid JSON', [{ path: '/', message: (err as Error).message }]);
  }
}

const xmlOptions = { explicitArray: false, explicitRoot: true, ignoreAttrs: true, trim: true, async: false, strict: true } as const;

export async function parseXml(raw: Buffer): Promise<ParsedBody> {
  const text = textOf(raw, 'xml');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new GatewayError('BODY_MALFORMED', 'XML with a DTD or entity declarations is not accepted', [{ path: '/', message: 'DOCTYPE is forbidden' }]);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = await new Parser(xmlOptions).parseStringPromise(text);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? 'parse error';
    throw new GatewayError('BODY_MALFORMED', 'body is not well-formed XML', [{ path: '/', message }]);
  }
  const roots = parsed ? Object.keys(parsed) : [];
  if (roots.length !== 1) throw new GatewayError('BODY_MALFORMED', 'XML document must have exactly one root element');
  const root = roots[0]!;
  const value = parsed[root];
  const document: Record<string, unknown> = typeof value === 'object' && value !== null ? { ...(value as object) } : {};
  // An enveloped XML-DSig signature is not part of the message: take it out before schema validation.
  const signatureKeys = Object.keys(document).filter((k) => /^([\w.-]+:)?Signature$/.test(k));
  signatureKeys.forEach((k) => delete document[k]);
  return { format: 'xml', raw, root, envelopedSignature: signatureKeys.length > 0, document };
}
