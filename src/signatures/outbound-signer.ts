import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.ts';
import { signCms, type CmsSigner } from './sign-cms.ts';

/**
 * The gateway's own signature on everything it sends: CMS detached over the exact body bytes, with its
 * certificate and chain included, in the X-Signature header (the same contract partners follow inbound).
 */
export function createOutboundSigner(signing: NonNullable<GatewayConfig['signing']>, rootDir: string): (body: Buffer) => string {
  const read = (path: string) => readFileSync(resolve(rootDir, path), 'utf8');
  const signer: CmsSigner = {
    certificatePem: read(signing.certificate),
    privateKeyPem: read(signing.privateKey),
    chainPem: (signing.chain ?? []).map(read),
  };
  return (body) => signCms(body, signer);
}
