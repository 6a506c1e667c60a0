import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxPki, type IssuedCertificate, type SandboxPki } from '../../src/signatures/pki-factory.ts';
import type { CmsSigner } from '../../src/signatures/sign-cms.ts';

/** A test PKI made at run time, with its root written to a fresh trust folder. */
export interface TestPki extends SandboxPki {
  trustDir: string;
  signerFor(cert: IssuedCertificate, chain?: IssuedCertificate[]): CmsSigner;
  /** The province signer with its intermediate. */
  defaultSigner: CmsSigner;
}

export function createTestPki(signerName = 'Test Province Signer'): TestPki {
  const pki = createSandboxPki(signerName);
  const trustDir = mkdtempSync(join(tmpdir(), 'gw-trust-'));
  writeFileSync(join(trustDir, 'root.pem'), pki.root.certificatePem);
  const signerFor = (cert: IssuedCertificate, chain: IssuedCertificate[] = [pki.intermediate]): CmsSigner => ({
    certificatePem: cert.certificatePem,
    privateKeyPem: cert.privateKeyPem,
    chainPem: chain.map((c) => c.certificatePem),
  });
  return { ...pki, trustDir, signerFor, defaultSigner: signerFor(pki.signer) };
}
