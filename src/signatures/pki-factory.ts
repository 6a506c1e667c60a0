import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Issues certificates for sandboxes and tests: a government-style root, intermediates, signers and the bad
 * ones (expired, wrong usage, weak). Keys come from node:crypto (fast); certificates are built with node-forge.
 * Nothing made here protects anything real.
 */
export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
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
  keyBits?: number;
  /** Overrides the default keyUsage (CA: keyCertSign+cRLSign, signer: digitalSignature+nonRepudiation). */
  keyUsage?: Record<string, boolean>;
  signatureDigest?: 'sha256' | 'sha1';
}

const day = 86_400_000;

export function issueCertificate(options: IssueOptions): IssuedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: options.keyBits ?? 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - day);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * day);
  const subject = [
    { shortName: 'C', value: 'VN' },
    ...(options.organization ? [{ shortName: 'O', value: options.organization }] : []),
    { shortName: 'CN', value: options.commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  const isCa = options.isCa ?? false;
  cert.setExtensions([
    { name: 'basicConstraints', cA: isCa, critical: true, ...(isCa && options.pathLen !== undefined ? { pathLenConstraint: options.pathLen } : {}) },
    {
      name: 'keyUsage',
      critical: true,
      ...(options.keyUsage ?? (isCa ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, nonRepudiation: true })),
    },
    { name: 'subjectKeyIdentifier' },
    ...(options.issuer ? [{ name: 'authorityKeyIdentifier', keyIdentifier: options.issuer.cert.generateSubjectKeyIdentifier().getBytes() }] : []),
  ]);
  const digest = options.signatureDigest === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create();
  cert.sign(options.issuer?.key ?? key, digest);
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem, cert, key };
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
