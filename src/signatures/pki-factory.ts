import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { asn1FromDer, asn1ToDer, type Asn1 } from './asn1.ts';
import { subjectNameDer } from './certificate-info.ts';

/**
 * Issues certificates for sandboxes and tests: a government-style root, intermediates, signers and the bad ones
 * (expired, wrong usage, weak, ECDSA …). node-forge lays out the certificate (names, validity, extensions);
 * node:crypto makes the keys (RSA or EC P-256) and the issuer's signature, because forge can neither hold an EC
 * key nor sign with one. Nothing made here protects anything real.
 */
export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  der: Buffer;
  subjectAttributes: forge.pki.CertificateField[];
  /** SHA-1 of the subject public key, as put in subjectKeyIdentifier. */
  keyIdentifier: Buffer;
  serialHex: string;
  keyType: 'rsa' | 'ec';
}

export interface IssueOptions {
  commonName: string;
  organization?: string;
  /** Signs the new certificate; absent means self-signed. */
  issuer?: IssuedCertificate;
  isCa?: boolean;
  pathLen?: number;
  notBefore?: Date;
  notAfter?: Date;
  keyType?: 'rsa' | 'ec';
  keyBits?: number;
  /** Overrides the default keyUsage (CA: keyCertSign+cRLSign, signer: digitalSignature+nonRepudiation); null leaves it out. */
  keyUsage?: Record<string, boolean> | null;
  extKeyUsageOids?: string[];
  signatureDigest?: 'sha256' | 'sha1';
  crlUrl?: string;
  /** Permitted directoryName subtrees (RDN lists such as [['C','VN'],['O','Sandbox Province']]). */
  permittedSubtrees?: Array<Array<[string, string]>>;
  /** An extra critical extension with this OID the gateway does not know. */
  unknownCriticalExtensionOid?: string;
}

const day = 86_400_000;
const { asn1 } = forge;
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
const T = asn1.Type;
const seq = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const oidNode = (id: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (b: Buffer) => asn1.create(UNIVERSAL, T.OCTETSTRING, false, b.toString('binary'));

/** forge needs some RSA key object to lay out a certificate; the real SubjectPublicKeyInfo replaces it. */
let layoutKey: forge.pki.rsa.PublicKey | undefined;
function forgeLayoutKey(): forge.pki.rsa.PublicKey {
  if (!layoutKey) {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    layoutKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey;
  }
  return layoutKey;
}

function signatureAlgorithm(issuerKey: KeyObject, digest: 'sha256' | 'sha1'): Asn1 {
  if (issuerKey.asymmetricKeyType === 'ec') return seq([oidNode(digest === 'sha1' ? '1.2.840.10045.4.1' : '1.2.840.10045.4.3.2')]);
  return seq([oidNode(digest === 'sha1' ? '1.2.840.113549.1.1.5' : '1.2.840.113549.1.1.11'), asn1.create(UNIVERSAL, T.NULL, false, '')]);
}

function nameConstraintsValue(permitted: Array<Array<[string, string]>>): Asn1 {
  const subtrees = permitted.map((rdns) => {
    const holder = forge.pki.createCertificate(); // setSubject fills in the OIDs and string types
    holder.setSubject(rdns.map(([shortName, value]) => ({ shortName, value })));
    const name = forge.pki.distinguishedNameToAsn1(holder.subject);
    return seq([asn1.create(CONTEXT_SPECIFIC, 4, true, [name])]);
  });
  return seq([asn1.create(CONTEXT_SPECIFIC, 0, true, subtrees)]);
}

export function issueCertificate(options: IssueOptions): IssuedCertificate {
  const keyType = options.keyType ?? 'rsa';
  const { publicKey, privateKey } =
    keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: options.keyBits ?? 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = asn1FromDer(publicKey.export({ type: 'spki', format: 'der' }));
  const subjectPublicKeyBits = Buffer.from((spki.value as Asn1[])[1]!.value as string, 'binary').subarray(1);
  const keyIdentifier = createHash('sha1').update(subjectPublicKeyBits).digest();

  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeLayoutKey();
  const serialHex = '01' + randomBytes(15).toString('hex');
  cert.serialNumber = serialHex;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - day);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * day);
  const subjectAttributes = [
    { shortName: 'C', value: 'VN' },
    ...(options.organization ? [{ shortName: 'O', value: options.organization }] : []),
    { shortName: 'CN', value: options.commonName },
  ] as forge.pki.CertificateField[];
  cert.setSubject(subjectAttributes);
  cert.setIssuer(options.issuer ? options.issuer.subjectAttributes : subjectAttributes);

  const isCa = options.isCa ?? false;
  const keyUsage = options.keyUsage === undefined ? (isCa ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, nonRepudiation: true }) : options.keyUsage;
  const authorityKeyIdentifier = options.issuer?.keyIdentifier ?? keyIdentifier;
  const extensions: object[] = [
    { name: 'basicConstraints', cA: isCa, critical: true, ...(isCa && options.pathLen !== undefined ? { pathLenConstraint: options.pathLen } : {}) },
    ...(keyUsage ? [{ name: 'keyUsage', critical: true, ...keyUsage }] : []),
    { id: '2.5.29.14', value: octets(keyIdentifier) },
    { id: '2.5.29.35', value: seq([asn1.create(CONTEXT_SPECIFIC, 0, false, authorityKeyIdentifier.toString('binary'))]) },
  ];
  if (options.extKeyUsageOids) extensions.push({ id: '2.5.29.37', value: seq(options.extKeyUsageOids.map(oidNode)) });
  if (options.crlUrl) extensions.push({ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: options.crlUrl }] });
  if (options.permittedSubtrees) extensions.push({ id: '2.5.29.30', critical: true, value: nameConstraintsValue(options.permittedSubtrees) });
  if (options.unknownCriticalExtensionOid) {
    extensions.push({ id: options.unknownCriticalExtensionOid, critical: true, value: asn1.create(UNIVERSAL, T.NULL, false, '') });
  }
  cert.setExtensions(extensions);

  const issuerKey = createPrivateKey(options.issuer?.privateKeyPem ?? privateKeyPem);
  const digest = options.signatureDigest ?? 'sha256';
  const algorithm = signatureAlgorithm(issuerKey, digest);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!; // layout only: replaced below
  (cert as unknown as { siginfo: { parameters: object } }).siginfo.parameters = {};
  // getTBSCertificate is public in node-forge but missing from its typings.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): Asn1 }).getTBSCertificate(cert);
  const parts = tbs.value as Asn1[];
  parts[2] = algorithm; // [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions
  parts[6] = spki;
  const tbsDer = asn1ToDer(tbs);
  const signature = cryptoSign(digest, tbsDer, issuerKey);
  const der = asn1ToDer(
    seq([tbs, signatureAlgorithm(issuerKey, digest), asn1.create(UNIVERSAL, T.BITSTRING, false, '\u0000' + signature.toString('binary'))]),
  );
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
  return { certificatePem, privateKeyPem, der, subjectAttributes, keyIdentifier, serialHex, keyType };
}

export interface SandboxPki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  signer: IssuedCertificate;
}

/** Root → intermediate → signer, the shape of the Government Cipher Committee's official-duty hierarchy. */
export function createSandboxPki(signerName = 'Sandbox Province Signer'): SandboxPki {
  const root = issueCertificate({ commonName: 'Sandbox Government Root CA', organization: 'Sandbox PKI', isCa: true, notAfter: new Date(Date.now() + 3650 * day) });
  const intermediate = issueCertificate({ commonName: 'Sandbox Official Duty CA', organization: 'Sandbox PKI', isCa: true, pathLen: 0, issuer: root });
  const signer = issueCertificate({ commonName: signerName, organization: 'Sandbox Province', issuer: intermediate });
  return { root, intermediate, signer };
}

export interface CrlOptions {
  issuer: IssuedCertificate;
  revoked?: Array<{ serialHex: string; at?: Date }>;
  thisUpdate?: Date;
  /** null leaves nextUpdate out. */
  nextUpdate?: Date | null;
  signatureDigest?: 'sha256' | 'sha1';
}

const time = (d: Date) => asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(d));

/** A v2 CRL signed by `issuer`, DER. */
export function issueCrl(options: CrlOptions): Buffer {
  const issuerKey = createPrivateKey(options.issuer.privateKeyPem);
  const digest = options.signatureDigest ?? 'sha256';
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = options.nextUpdate === undefined ? new Date(Date.now() + day) : options.nextUpdate;
  const revoked = (options.revoked ?? []).map(({ serialHex, at }) =>
    seq([asn1.create(UNIVERSAL, T.INTEGER, false, Buffer.from(serialHex, 'hex').toString('binary')), time(at ?? thisUpdate)]),
  );
  const tbs = seq([
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(1).getBytes()),
    signatureAlgorithm(issuerKey, digest),
    asn1FromDer(subjectNameDer(options.issuer.der)),
    time(thisUpdate),
    ...(nextUpdate ? [time(nextUpdate)] : []),
    ...(revoked.length ? [seq(revoked)] : []),
  ]);
  const signature = cryptoSign(digest, asn1ToDer(tbs), issuerKey);
  return asn1ToDer(seq([tbs, signatureAlgorithm(issuerKey, digest), asn1.create(UNIVERSAL, T.BITSTRING, false, '\u0000' + signature.toString('binary'))]));
}
