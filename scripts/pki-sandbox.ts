/**
 * npm run pki:sandbox [-- --out DIR]: writes a sandbox PKI for trying the gateway's signature checks by hand:
 * a root and an official-duty intermediate, a good RSA and a good ECDSA signer, and one certificate for each
 * refusal, with the code the gateway answers. Keys are generated here and protect nothing real.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { issueCertificate, issueCrl, type IssuedCertificate } from '../src/signatures/pki-factory.ts';

const day = 86_400_000;
const outIndex = process.argv.indexOf('--out');
const out = resolve(outIndex > 0 ? process.argv[outIndex + 1]! : 'var/pki-sandbox');
for (const dir of ['trust', 'crl', 'certs']) mkdirSync(join(out, dir), { recursive: true });

const root = issueCertificate({ commonName: 'Sandbox Government Root CA', organization: 'Sandbox PKI', isCa: true, notAfter: new Date(Date.now() + 3650 * day) });
const intermediate = issueCertificate({ commonName: 'Sandbox Official Duty CA', organization: 'Sandbox PKI', isCa: true, pathLen: 0, issuer: root });
const otherRoot = issueCertificate({ commonName: 'Unknown Root CA', organization: 'Elsewhere', isCa: true });
const signer = (commonName: string, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}) =>
  issueCertificate({ commonName, organization: 'Sandbox Province', issuer: intermediate, ...extra });

const revoked = signer('Revoked official');
const entries: Array<[string, IssuedCertificate, string]> = [
  ['signer-rsa', signer('Official RSA'), 'accepted (RSA PKCS#1 v1.5 or RSA-PSS)'],
  ['signer-ecdsa', signer('Official ECDSA', { keyType: 'ec' }), 'accepted (ECDSA P-256)'],
  ['expired', signer('Expired official', { notBefore: new Date(Date.now() - 60 * day), notAfter: new Date(Date.now() - day) }), 'CERT_EXPIRED'],
  ['not-yet-valid', signer('Future official', { notBefore: new Date(Date.now() + day) }), 'CERT_EXPIRED'],
  ['revoked', revoked, 'CERT_REVOKED (with crl/official-duty.crl loaded)'],
  ['wrong-key-usage', signer('Encipherment only', { keyUsage: { keyEncipherment: true } }), 'CERT_USAGE_INVALID'],
  ['self-signed', issueCertificate({ commonName: 'Self-signed official', organization: 'Sandbox Province' }), 'CERT_UNTRUSTED'],
  ['unknown-ca', issueCertificate({ commonName: 'Official of another CA', issuer: otherRoot }), 'CERT_UNTRUSTED'],
  ['sha1-signed', signer('SHA-1 official', { signatureDigest: 'sha1' }), 'ALGORITHM_WEAK'],
  ['rsa-1024', signer('Weak key official', { keyBits: 1024 }), 'ALGORITHM_WEAK'],
];

writeFileSync(join(out, 'trust/sandbox-root.pem'), root.certificatePem);
writeFileSync(join(out, 'certs/intermediate.pem'), intermediate.certificatePem);
writeFileSync(join(out, 'crl/official-duty.crl'), issueCrl({ issuer: intermediate, revoked: [{ serialHex: revoked.serialHex }] }));
const lines = ['| file | gateway verdict |', '|---|---|'];
for (const [name, cert, verdict] of entries) {
  writeFileSync(join(out, `certs/${name}.pem`), cert.certificatePem);
  writeFileSync(join(out, `certs/${name}.key`), cert.privateKeyPem, { mode: 0o600 });
  lines.push(`| certs/${name}.pem | ${verdict} |`);
}
const readme = [
  '# Sandbox PKI (generated, protects nothing real)',
  '',
  'Trust anchors: `trust/` (add it to `trust.directories`). CRL: `crl/` (add it to `trust.crl.directories`).',
  'Include `certs/intermediate.pem` in signatures (or put it in a trust folder).',
  '',
  ...lines,
  '',
].join('\n');
writeFileSync(join(out, 'README.md'), readme);
process.stdout.write(`Sandbox PKI written to ${out}\n\n${lines.join('\n')}\n`);
