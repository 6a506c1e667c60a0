import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredFileProblems } from '../../src/config/check-files.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { projectRoot } from '../../src/gateway.ts';
import { createSandboxPki } from '../../src/signatures/pki-factory.ts';

const pki = createSandboxPki();
const dir = mkdtempSync(join(tmpdir(), 'gw-config-files-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const files = {
  certificate: write('gateway.pem', pki.signer.certificatePem),
  privateKey: write('gateway.key', pki.signer.privateKeyPem),
  otherKey: write('other.key', pki.intermediate.privateKeyPem),
  chain: write('ca.pem', pki.intermediate.certificatePem),
  notPem: write('notes.txt', 'not a certificate'),
};
mkdirSync(join(dir, 'trust'));
const configWith = (overrides: Record<string, unknown>) => loadConfig({ rootDir: projectRoot, env: {}, overrides: { trust: { directories: [join(dir, 'trust')] }, ...overrides } });

describe('configuredFileProblems', () => {
  it('passes a complete signing identity and existing folders', () => {
    expect(configuredFileProblems(configWith({ signing: { certificate: files.certificate, privateKey: files.privateKey, chain: [files.chain] } }), projectRoot)).toEqual([]);
  });

  it('names the key of each file that is missing, unreadable as what it should be, or not the certificate\'s key', () => {
    const config = configWith({ signing: { certificate: files.certificate, privateKey: files.otherKey, chain: [files.chain, files.notPem, dir] } });
    expect(configuredFileProblems(config, projectRoot)).toEqual([
      '/signing/chain/1: not a PEM certificate: ' + files.notPem,
      `/signing/chain/2: not a file: ${dir}`,
      '/signing/privateKey: is not the private key of /signing/certificate',
    ]);
    const swapped = configWith({ signing: { certificate: files.privateKey, privateKey: files.certificate } });
    expect(configuredFileProblems(swapped, projectRoot)).toEqual([
      `/signing/certificate: not a PEM certificate: ${files.privateKey}`,
      `/signing/privateKey: not a PEM private key: ${files.certificate}`,
    ]);
  });

  it('resolves relative paths against the project root, as start-up reads them', () => {
    const config = configWith({ trust: { directories: ['config/trust', 'config/nowhere'] }, signing: { certificate: 'config/gateway.pem', privateKey: files.privateKey } });
    expect(configuredFileProblems(config, projectRoot)).toEqual([
      `/trust/directories/1: directory not found: ${join(projectRoot, 'config/nowhere')}`,
      `/signing/certificate: file not found: ${join(projectRoot, 'config/gateway.pem')}`,
    ]);
  });
});
