import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.ts';
import { prepareCmsSigner, type CmsSigner } from './sign-cms.ts';

/**
 * The gateway's own signature on everything it sends: CMS detached over the exact body bytes, with its
 * certificate and chain included, in the X-Signature header (the same contract partners follow inbound).
 * The identity is read and parsed once per process, not per message.
 */
export function createOutboundSigner(signing: NonNullable<GatewayConfig['signing']>, rootDir: string): (body: Buffer) => string {
  const signer = prepareCmsSigner(readCmsSigner(signing, rootDir));
  return (body) => signer.sign(body);
}

/** A signing identity from PEM files (paths relative to rootDir): certificate, private key, intermediates. */
export function readCmsSigner(files: { certificate: string; privateKey: string; chain?: string[] }, rootDir = process.cwd()): CmsSigner {
  const read = (path: string) => readFileSync(resolve(rootDir, path), 'utf8');
  return { certificatePem: read(files.certificate), privateKeyPem: read(files.privateKey), chainPem: (files.chain ?? []).map(read) };
}
