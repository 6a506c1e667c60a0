import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashApiKey } from '../../pipeline/authenticate-partner.ts';
import { usageError } from '../cli-errors.ts';
import { requireArg, type Command } from '../command.ts';

/** The first certificate of a PEM file: the partner's signer (a chain file lists it first). */
function readSignerCertificate(file: string): X509Certificate {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) throw usageError(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  try {
    return new X509Certificate(block);
  } catch (err) {
    throw usageError(`${file}: the certificate cannot be read: ${(err as Error).message}`);
  }
}

const add: Command = {
  name: 'partner add',
  args: '<partnerId>',
  summary: "onboard a partner: a new API key (shown once), its hash, and the config entry binding the partner's signing certificate by fingerprint",
  details: `Works offline: nothing is sent to the gateway. Add the printed entry under "partners" in the config, restart the api,
and hand the key to the partner over a channel you trust. Only the key's hash is kept; a lost key is replaced, not recovered.`,
  options: {
    cert: { type: 'string', value: 'FILE', help: "the partner's signing certificate, PEM (the first certificate in the file)" },
    agency: { type: 'string', multiple: true, value: 'CODE', help: 'an agency code (Mã đơn vị) the partner may speak for; repeat for more' },
    name: { type: 'string', value: 'N', help: 'display name (default: the certificate subject CN)' },
  },
  async run(args) {
    const partnerId = requireArg(args, 0, '<partnerId>', 'partner add');
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(partnerId)) throw usageError('<partnerId> must be lower-case letters, digits and dashes, e.g. province-b');
    const { cert, agency, name } = args.values;
    if (typeof cert !== 'string') throw usageError('partner add needs --cert <PEM file> (the partner\'s signing certificate)');
    const agencies = Array.isArray(agency) ? agency.filter((a): a is string => typeof a === 'string') : [];
    if (!agencies.length) throw usageError('partner add needs at least one --agency CODE');
    const x509 = readSignerCertificate(cert);
    const apiKey = `gwk_${randomBytes(32).toString('base64url')}`;
    const apiKeyHash = hashApiKey(apiKey);
    const commonName = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
    const entry = {
      name: typeof name === 'string' ? name : (commonName ?? partnerId),
      apiKeyHashes: [apiKeyHash],
      agencies,
      certificates: [{ fingerprint256: x509.fingerprint256 }],
      rateLimit: { max: 100, timeWindowMs: 60_000 },
    };
    const expired = Date.parse(x509.validTo) < Date.now();
    const snippet = JSON.stringify({ partners: { [partnerId]: entry } }, null, 2);
    const text = [
      `API key (shown once, give it to the partner; it is not stored): ${apiKey}`,
      `API key hash: ${apiKeyHash}`,
      `certificate: ${x509.subject.replace(/\n/g, ', ')}; valid ${x509.validFrom} to ${x509.validTo}${expired ? ' (EXPIRED: the gateway will refuse its signatures)' : ''}`,
      `SHA-256 fingerprint: ${x509.fingerprint256}`,
      '',
      'config entry (merge under "partners"):',
      snippet,
    ].join('\n');
    return { data: { partnerId, apiKey, apiKeyHash, fingerprint256: x509.fingerprint256, subject: x509.subject, validTo: x509.validTo, expired, config: { partners: { [partnerId]: entry } } }, text };
  },
};

export const partnerCommands = [add];
