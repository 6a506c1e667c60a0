import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { projectRoot } from '../../src/gateway.ts';

const load = (overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => loadConfig({ rootDir: projectRoot, env, overrides });

describe('configuration', () => {
  it('loads the defaults', () => {
    const config = load({});
    expect(config.routes['dossier.status.v1']).toEqual(['national-portal']);
    expect(config.redis.embedded.appendfsync).toBe('always');
  });

  it('sends VNPost through the NGSP by default, and `transport: null` in a later file says "directly"', () => {
    expect(load({}).destinations.vnpost!.transport).toMatchObject({ platform: 'ngsp', keyScheme: 'Basic' });
    const direct = load({ destinations: { vnpost: { baseUrl: 'https://vnpost.example.vn', transport: null } } });
    expect(direct.destinations.vnpost).not.toHaveProperty('transport');
    expect(() => load({ payments: { providers: { vnpay: { transport: { platform: 'lgsp', tokenPath: '/token', keyScheme: 'Bearer', services: {} } } } } })).toThrowError(
      /\/payments\/providers\/vnpay\/transport needs "key" \(with keyScheme\) or "consumerKey" and "consumerSecret"/,
    );
  });

  it('takes payment providers and registries without certificates (no connector of theirs reads them)', () => {
    const config = load({});
    expect(config.payments.providers.vnpay).not.toHaveProperty('certificates');
    expect(config.registries.population).not.toHaveProperty('certificates');
    const bound = load({ payments: { providers: { vnpay: { certificates: [{ subject: 'CN=VNPAY' }] } } } });
    expect(bound.payments.providers.vnpay!.certificates).toEqual([{ subject: 'CN=VNPAY' }]);
  });

  it('names the exact key that is wrong', () => {
    expect(() => load({ destinations: { 'national-portal': { retry: { maxAgeMs: 0 } } } })).toThrowError(
      /\/destinations\/national-portal\/retry\/maxAgeMs must be >= 1/,
    );
    // The count-based budget was replaced by time: an old config is told what to write instead.
    expect(() => load({ destinations: { 'national-portal': { retry: { attempts: 8 } } } })).toThrowError(
      /\/destinations\/national-portal\/retry must NOT have additional properties "attempts" \(retries are budgeted by time now: set maxAgeMs/,
    );
    expect(() => load({ http: { prot: 1 } })).toThrowError(/\/http must NOT have additional properties "prot"/);
  });

  it('refuses a plain API key where a hash belongs', () => {
    const partner = { name: 'P', apiKeyHashes: ['secret-key'], agencies: ['A'], certificates: [{ subject: 'CN=x' }], rateLimit: { max: 1, timeWindowMs: 1 } };
    const err = (() => {
      try {
        load({ partners: { p: partner } });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toContain('/partners/p/apiKeyHashes/0 must match pattern "^sha256:[0-9a-f]{64}$"');
  });

  it('checks that routes name existing destinations', () => {
    expect(() => load({ routes: { 'dossier.status.v1': 'nowhere' } })).toThrowError(/names unknown destination "nowhere"/);
  });

  it('merges the GATEWAY_CONFIG file, then env overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify({ http: { port: 9000 }, log: { level: 'warn' } }));
    const config = loadConfig({ rootDir: projectRoot, env: { GATEWAY_CONFIG: join(dir, 'site.json'), PORT: '9100', REDIS_URL: 'redis://10.0.0.5:6379' } });
    expect(config.http.port).toBe(9100);
    expect(config.log.level).toBe('warn');
    expect(config.redis.url).toBe('redis://10.0.0.5:6379');
  });

  it('says which file is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ "http": ');
    expect(() => loadConfig({ rootDir: projectRoot, env: { GATEWAY_CONFIG: join(dir, 'bad.json') } })).toThrowError(/bad\.json is not valid JSON/);
  });
});
