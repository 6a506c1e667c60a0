import { createPublicKey, verify as cryptoVerify, createSign } from 'node:crypto';
import forge from 'node-forge';
import { signCms } from '../src/signatures/sign-cms.ts';
import { TrustStore } from '../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../src/signatures/verify-cms-signature.ts';
import type { TestPki } from '../test/helpers/test-pki.ts';

export interface OpsResult {
  name: string;
  opsPerSecond: number;
}

async function measure(name: string, fn: () => unknown, minMs = 1500): Promise<OpsResult> {
  for (let i = 0; i < 20; i++) await fn(); // warm up JIT and caches
  let ops = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) {
    await fn();
    ops++;
  }
  return { name, opsPerSecond: ops / ((performance.now() - started) / 1000) };
}

/** CMS verification with a warm chain cache and a cold one, and the bare RSA step in node-forge vs node:crypto. */
export async function signatureBenchmarks(pki: TestPki, body: Buffer, minMs = 1500): Promise<OpsResult[]> {
  const signature = signCms(body, pki.defaultSigner);
  const trustStore = new TrustStore([pki.trustDir]);
  const warmCache = new VerifiedChainCache(600_000);
  const coldCache = new VerifiedChainCache(600_000);

  const data = Buffer.from('the bytes a CMS signer signs');
  const signer = createSign('sha256');
  signer.update(data);
  const rsaSignature = signer.sign(pki.signer.privateKeyPem);
  const publicKey = createPublicKey(pki.signer.certificatePem);
  const forgeKey = forge.pki.certificateFromPem(pki.signer.certificatePem).publicKey as forge.pki.rsa.PublicKey;
  const digest = forge.md.sha256.create();
  digest.update(data.toString('binary'));
  const digestBytes = digest.digest().getBytes();
  const rsaBinary = rsaSignature.toString('binary');

  return [
    await measure('CMS verify, warm chain cache', () => verifyCmsSignature(signature, body, { trustStore, chainCache: warmCache }), minMs),
    await measure('CMS verify, cold chain (full path validation)', () => {
      coldCache.clear();
      verifyCmsSignature(signature, body, { trustStore, chainCache: coldCache });
    }, minMs),
    await measure('RSA-2048 verify, node:crypto', () => cryptoVerify('sha256', data, publicKey, rsaSignature), minMs),
    await measure('RSA-2048 verify, node-forge', () => forgeKey.verify(digestBytes, rsaBinary), minMs),
  ];
}
