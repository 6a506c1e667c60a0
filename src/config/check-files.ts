import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewayConfig } from './types.ts';

/** What is wrong with one configured path, or undefined. Reads nothing but the path itself. */
function pathProblem(path: string, kind: 'file' | 'directory'): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${kind} not found: ${path}`;
    return `cannot read ${path}: ${code ?? (err as Error).message}`;
  }
  if (kind === 'file' && !stats.isFile()) return `not a file: ${path}`;
  if (kind === 'directory' && !stats.isDirectory()) return `not a directory: ${path}`;
  return undefined;
}

function readText(path: string): { text?: string; problem?: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    return { problem: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

/**
 * Every file and folder the config names, checked before anything starts: each problem names its config key
 * (`/signing/certificate: file not found: /x/y.pem`), where a missing file would otherwise be a stack trace from
 * deep inside start-up, after Redis and the simulators were already running. The signing identity is also read:
 * a certificate, a private key, and the key must be the certificate's.
 */
export function configuredFileProblems(config: GatewayConfig, rootDir: string): string[] {
  const problems: string[] = [];
  const check = (key: string, configured: string, kind: 'file' | 'directory') => {
    const path = resolve(rootDir, configured);
    const problem = pathProblem(path, kind);
    if (problem) problems.push(`${key}: ${problem}`);
    return problem ? undefined : path;
  };
  config.trust.directories.forEach((dir, i) => check(`/trust/directories/${i}`, dir, 'directory'));
  config.trust.crl.directories.forEach((dir, i) => check(`/trust/crl/directories/${i}`, dir, 'directory'));
  if (!config.signing) return problems;

  const certificate = readPem('/signing/certificate', check('/signing/certificate', config.signing.certificate, 'file'), problems, (pem) => new X509Certificate(pem), 'a PEM certificate');
  const privateKey = readPem('/signing/privateKey', check('/signing/privateKey', config.signing.privateKey, 'file'), problems, (pem) => createPrivateKey(pem), 'a PEM private key');
  (config.signing.chain ?? []).forEach((file, i) => readPem(`/signing/chain/${i}`, check(`/signing/chain/${i}`, file, 'file'), problems, (pem) => new X509Certificate(pem), 'a PEM certificate'));
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey as KeyObject)) {
    problems.push('/signing/privateKey: is not the private key of /signing/certificate');
  }
  return problems;
}

function readPem<T>(key: string, path: string | undefined, problems: string[], parse: (pem: string) => T, what: string): T | undefined {
  if (!path) return undefined;
  const { text, problem } = readText(path);
  if (problem) {
    problems.push(`${key}: ${problem}`);
    return undefined;
  }
  try {
    return parse(text!);
  } catch {
    problems.push(`${key}: not ${what}: ${path}`);
    return undefined;
  }
}
