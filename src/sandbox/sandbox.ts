import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExternalServiceConfig, GatewayConfig } from '../config/types.ts';
import { loadConnector } from '../connectors/connector-registry.ts';
import type { SimulatorHandle } from '../connectors/connector-types.ts';
import type { Logger } from '../logging/logger.ts';
import { hashApiKey } from '../pipeline/authenticate-partner.ts';
import { createSandboxPki, issueCertificate } from '../signatures/pki-factory.ts';
import { startSandboxPlatforms, wantsSandboxPlatform } from './sandbox-platforms.ts';

export const sandboxPartnerId = 'sandbox-province';
export const sandboxAgencyCode = '000.00.01.H22';

/** What `npm run sample:status` and a developer need to talk to a sandbox gateway; written to var/sandbox/sandbox.json. */
export interface SandboxInfo {
  gatewayUrl?: string;
  /** Where /admin/api is: the operators' listener (http.ops) when there is one, else gatewayUrl. */
  adminUrl?: string;
  partnerId: string;
  apiKey: string;
  /** Operator token for /admin/api. */
  adminToken: string;
  agencyCode: string;
  signerCertificate: string;
  signerKey: string;
  intermediateCertificate: string;
  simulators: Record<string, string>;
}

export interface Sandbox {
  config: GatewayConfig;
  info: SandboxInfo;
  infoFile: string;
  /** Tells the simulators where the gateway listens (they call it back). */
  setGatewayUrl(url: string): void;
  close(): Promise<void>;
}

/** Every remote system the config names, by kind: destinations, payment providers, registries. */
export const remoteSystems = (config: GatewayConfig) => [
  // Destinations never call back: what they report (a carrier's tracking) is pulled.
  ...Object.entries(config.destinations).map(([name, system]) => ({ name, system, callbackPath: '' })),
  ...Object.entries(config.payments.providers).map(([name, system]) => ({ name, system, callbackPath: `/v1/payments/callbacks/${name}` })),
  ...Object.entries(config.registries).map(([name, system]) => ({ name, system, callbackPath: '' })),
];

/** Remote systems with no baseUrl, or through a platform with none, are the sandbox's to imitate. */
export const sandboxDestinations = (config: GatewayConfig) => remoteSystems(config).filter((r) => !r.system.baseUrl || wantsSandboxPlatform(r.system)).map((r) => r.name);

/** Sandbox mode: some destination is unconfigured, or the config asks for the sandbox partner explicitly. */
export const wantsSandbox = (config: GatewayConfig) => config.sandbox.partner || sandboxDestinations(config).length > 0;

/**
 * A sandbox PKI made once on this machine (never committed): root CA → official-duty CA → the province's signer
 * and the gateway's own signing certificate.
 */
function ensurePki(dir: string) {
  const files = {
    signer: join(dir, 'pki/signer.pem'),
    key: join(dir, 'pki/signer.key'),
    intermediate: join(dir, 'pki/intermediate.pem'),
    gatewayCertificate: join(dir, 'pki/gateway.pem'),
    gatewayKey: join(dir, 'pki/gateway.key'),
    trustDir: join(dir, 'trust'),
  };
  if (![files.signer, files.key, files.intermediate, files.gatewayCertificate, files.gatewayKey].every((f) => existsSync(f))) {
    mkdirSync(join(dir, 'pki'), { recursive: true });
    mkdirSync(files.trustDir, { recursive: true });
    const pki = createSandboxPki();
    const gateway = issueCertificate({ commonName: 'Sandbox Integration Gateway', organization: 'Sandbox Province', issuer: pki.intermediate });
    writeFileSync(join(files.trustDir, 'sandbox-root.pem'), pki.root.certificatePem);
    writeFileSync(files.intermediate, pki.intermediate.certificatePem);
    writeFileSync(files.key, pki.signer.privateKeyPem, { mode: 0o600 });
    writeFileSync(files.signer, pki.signer.certificatePem);
    writeFileSync(files.gatewayKey, gateway.privateKeyPem, { mode: 0o600 });
    writeFileSync(files.gatewayCertificate, gateway.certificatePem);
  }
  return files;
}

function ensureSecret(dir: string, name: string, prefix: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) writeFileSync(file, `${prefix}_${randomBytes(24).toString('base64url')}`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * Turns a config with unconfigured destinations into a runnable sandbox: starts each such destination's
 * simulator on loopback (and a platform simulator in front of those configured through an LGSP/NGSP), and registers a sandbox partner whose key and signing certificate live under var/sandbox.
 */
export async function startSandbox(config: GatewayConfig, logger: Logger, rootDir: string): Promise<Sandbox> {
  const dir = resolve(rootDir, config.sandbox.dir);
  mkdirSync(dir, { recursive: true });
  const pki = ensurePki(dir);
  const apiKey = ensureSecret(dir, 'api-key', 'sbx');
  const adminToken = ensureSecret(dir, 'admin-token', 'sbxadm');
  const next: GatewayConfig = structuredClone(config);
  const handles: SimulatorHandle[] = [];
  const simulators: Record<string, string> = {};
  let gatewayUrl = next.payments.publicUrl ?? `http://${next.http.host}:${next.http.port}`;

  for (const { name, system, callbackPath } of remoteSystems(next)) {
    if (system.baseUrl) {
      simulators[name] = system.baseUrl; // configured elsewhere (docker-compose runs the simulators apart)
      continue;
    }
    const connector = await loadConnector(system.connector);
    const handle = await connector.startSimulator({
      host: config.sandbox.simulatorHost,
      port: 0,
      logger,
      options: { ...system.options, gatewayTrustDir: pki.trustDir },
      callbackUrl: () => `${gatewayUrl}${callbackPath}`,
    });
    handles.push(handle);
    system.baseUrl = handle.url;
    simulators[name] = handle.url;
    if (handle.publishes && callbackPath) {
      // A simulated bank signs its callbacks with a CA of its own: trust it, for this service only.
      writeFileSync(join(pki.trustDir, `simulator-${name}-root.pem`), handle.publishes.trustAnchorPem);
      const caller = system as ExternalServiceConfig;
      caller.certificates = [...(caller.certificates ?? []), { fingerprint256: handle.publishes.signerFingerprint256 }];
    }
  }
  // Systems "via" a platform with no URL of its own: one platform simulator per platform name in front of them.
  const platforms = await startSandboxPlatforms(remoteSystems(next), config.sandbox.simulatorHost, logger);
  handles.push(...platforms.handles);
  Object.assign(simulators, platforms.simulators);
  next.trust.directories = [...next.trust.directories, pki.trustDir];
  next.signing ??= { certificate: pki.gatewayCertificate, privateKey: pki.gatewayKey, chain: [pki.intermediate] };
  next.partners[sandboxPartnerId] = {
    name: 'Sandbox province one-stop system',
    apiKeyHashes: [hashApiKey(apiKey)],
    agencies: [sandboxAgencyCode],
    certificates: [{ fingerprint256: new X509Certificate(readFileSync(pki.signer)).fingerprint256 }],
    rateLimit: { max: 1000, timeWindowMs: 1000 },
  };
  next.admins['sandbox-operator'] ??= { tokenHashes: [hashApiKey(adminToken)], role: 'operator' };
  const info: SandboxInfo = {
    partnerId: sandboxPartnerId,
    apiKey,
    adminToken,
    agencyCode: sandboxAgencyCode,
    signerCertificate: pki.signer,
    signerKey: pki.key,
    intermediateCertificate: pki.intermediate,
    simulators,
  };
  logger.info({ simulators }, 'sandbox simulators started');
  return {
    config: next,
    info,
    infoFile: join(dir, 'sandbox.json'),
    setGatewayUrl: (url) => {
      if (!next.payments.publicUrl) gatewayUrl = url;
    },
    close: async () => {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}

export function writeSandboxInfo(sandbox: Sandbox): void {
  writeFileSync(sandbox.infoFile, JSON.stringify(sandbox.info, null, 2), { mode: 0o600 });
}
