/** What the sample scripts share: the sandbox's info file and a signed POST as the sandbox partner. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import type { SandboxInfo } from '../src/sandbox/sandbox.ts';
import { readCmsSigner } from '../src/signatures/outbound-signer.ts';
import { signCms } from '../src/signatures/sign-cms.ts';

/** var/sandbox/sandbox.json, as `npm start` writes it; SANDBOX_INFO names another (a sandbox with its own sandbox.dir). */
export function loadSandboxInfo(): SandboxInfo {
  const infoFile = process.env.SANDBOX_INFO ?? resolve(new URL('..', import.meta.url).pathname, 'var/sandbox/sandbox.json');
  try {
    return JSON.parse(readFileSync(infoFile, 'utf8'));
  } catch {
    console.error(`No sandbox found at ${infoFile}. Start the gateway first: npm start`);
    process.exit(1);
  }
}

/** POSTs `body` signed with the sandbox partner's certificate; returns status and parsed answer. */
export async function signedPost(info: SandboxInfo, path: string, body: Buffer, contentType = 'application/json') {
  const signer = readCmsSigner({ certificate: info.signerCertificate, privateKey: info.signerKey, chain: [info.intermediateCertificate] });
  const res = await request(`${info.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.apiKey}`, 'content-type': contentType, 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, signer) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}

export const getJson = async (url: string, headers: Record<string, string> = {}) => (await request(url, { headers })).body.json() as Promise<any>;
