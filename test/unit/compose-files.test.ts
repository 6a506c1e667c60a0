import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GatewayConfig } from '../../src/config/types.ts';
import { platformTransportProblems } from '../../src/connectors/transport/check-transports.ts';
import { projectRoot } from '../../src/gateway.ts';
import { simulatorPlan } from '../../src/sandbox/configured-simulators.ts';
import { parseSimpleYaml } from '../helpers/simple-yaml.ts';

/**
 * docker-compose.yml, config/compose.json and the Dockerfile, held to each other and to the code: there is no docker
 * here, so what compose would do is read from the files (test/e2e/compose-rehearsal.test.ts runs the same wiring as
 * processes). The bug this guards against: simulators started in config order on consecutive ports, so vnpay sat on
 * the port config/compose.json gave vnpost.
 */
type Service = {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  user?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  networks?: { default?: { aliases?: string[] } };
  profiles?: string[];
};
const compose = parseSimpleYaml(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const gatewayServices = Object.entries(services).filter(([, s]) => s.build === '.');
const envOf = (name: string) => services[name]!.environment ?? {};
const configFile = envOf('api').GATEWAY_CONFIG!;
const config: GatewayConfig = loadConfig({ rootDir: projectRoot, env: { GATEWAY_CONFIG: configFile } });
const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
const packageScripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('docker-compose.yml and its config', () => {
  it('gives every gateway container the same config, and that config is valid (platform services included)', async () => {
    expect(gatewayServices.map(([name]) => name).sort()).toEqual(['api', 'simulators', 'worker']);
    for (const [name] of gatewayServices) expect(envOf(name).GATEWAY_CONFIG, name).toBe(configFile);
    expect(await platformTransportProblems(config)).toEqual([]);
  });

  it('reaches each remote system by its name, at the port its own simulator listens on', () => {
    const plan = simulatorPlan(config); // throws on a missing port or two simulators on one port
    const aliases = services.simulators!.networks?.default?.aliases ?? [];
    for (const entry of plan) {
      // The simulators service answers to the system's name; the script starts that system's connector there.
      expect(aliases, `${entry.configPath}: host ${entry.host}`).toContain(entry.host);
      expect(entry.host).toBe(entry.name.replace(/^platform:/, ''));
    }
    expect([...aliases].sort()).toEqual(plan.map((p) => p.host).sort()); // no alias left for a system that is gone
    const connectorOf = Object.fromEntries(plan.map((p) => [p.name, p.connector]));
    expect(connectorOf).toMatchObject({
      'national-portal': 'national-portal',
      'provincial-system': 'provincial-system',
      vnpost: 'postal-vnpost',
      vnpay: 'bank-vnpay',
      paygov: 'bank-paygov',
      population: 'population-db',
      'platform:ngsp': 'service-platform',
    });
    expect(new Set(plan.map((p) => p.port)).size).toBe(plan.length);
  });

  it('starts the simulators with npm run simulators, which exists, and lets them call the api back where it listens', () => {
    expect(services.simulators!.command).toEqual(['npm', 'run', 'simulators']);
    for (const text of [dockerfile, readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8'), readFileSync(join(projectRoot, 'README.md'), 'utf8')]) {
      for (const [, script, wildcard] of text.matchAll(/npm run ([\w:-]+)(\*?)/g)) if (!wildcard) expect(packageScripts, `npm run ${script}`).toHaveProperty(script!);
    }
    expect(packageScripts.simulators).toBe('tsx scripts/simulators.ts');
    expect(envOf('simulators').GATEWAY_URL).toBe(`http://api:${config.http.port}`);
    expect(config.payments.publicUrl).toBe(`http://api:${config.http.port}`);
    expect(envOf('simulators').SIMULATOR_GATEWAY_TRUST_DIR).toBe(`${config.sandbox.dir}/trust`);
  });

  it('publishes the partner port, keeps the ops listener (admin, metrics) on loopback, and publishes nothing else', () => {
    const ops = config.http.ops!;
    expect(ops).toBeDefined();
    expect(services.api!.ports).toEqual([`${config.http.port}:${config.http.port}`, `127.0.0.1:${ops.port}:${ops.port}`]);
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === 'api' && port === `${config.http.port}:${config.http.port}`) continue;
        expect(port, `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(services.worker!.ports).toBeUndefined();
    expect(services.redis!.ports).toBeUndefined();
  });

  it('checks the health of api and worker where each listens, and restarts every service', () => {
    const probe = (name: string) => services[name]!.healthcheck?.test.join(' ') ?? '';
    expect(probe('api')).toContain(`http://127.0.0.1:${config.http.port}/health/ready`);
    expect(probe('worker')).toContain(`http://127.0.0.1:${config.http.ops!.port}/health/live`); // a worker serves health on http.ops
    expect(probe('redis')).toContain('redis-cli');
    for (const [name, service] of Object.entries(services)) expect(service.restart, name).toMatch(/^(unless-stopped|always|on-failure)$/);
    expect(services.worker!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, api: { condition: 'service_healthy' } });
    expect(services.simulators!.depends_on).toMatchObject({ api: { condition: 'service_healthy' } }); // the sandbox PKI exists by then
  });

  it('connects to the compose Redis, runs the roles the config expects, and shares the sandbox and archive folders', () => {
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction']));
    for (const name of ['api', 'worker']) {
      expect(envOf(name).REDIS_URL).toBe('redis://redis:6379');
      expect(services[name]!.volumes).toEqual(expect.arrayContaining([`sandbox:/app/${config.sandbox.dir}`, `message-log:/app/${config.messageLog.archive.directory}`]));
    }
    expect([envOf('api').GATEWAY_ROLE, envOf('worker').GATEWAY_ROLE]).toEqual(['api', 'worker']);
    for (const volume of Object.values(services).flatMap((s) => s.volumes ?? [])) {
      const source = volume.split(':')[0]!;
      if (!source.startsWith('.')) expect(compose.volumes, `volume ${source}`).toHaveProperty(source);
    }
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
    }
  });
});

describe('the Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in two stages and runs as a user who is not root, with node itself as the process', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/COPY --from=\S+ \/app\/node_modules/);
    const user = /^USER (\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    for (const [name, service] of Object.entries(services)) expect(service.user ?? 'node', name).not.toMatch(/^(root|0)(:|$)/);
    expect(/^CMD (.*)$/m.exec(runtime)?.[1]).toBe('["node", "--import", "tsx", "src/main.ts"]');
    expect(runtime).toMatch(/chown -R node:node var/);
  });

  it('copies every file the gateway, the simulators and gatewayctl load, and .dockerignore keeps none of them out', () => {
    const copied = [...runtime.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap(([, sources]) => sources!.split(/\s+/));
    const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const entries = [
      'src/main.ts',
      'scripts/simulators.ts',
      'src/cli/gatewayctl.ts',
      'bin/gatewayctl.mjs',
      ...Object.values({ ...config.destinations, ...config.payments.providers, ...config.registries }).map((s) => `connectors/${s.connector}/index.ts`),
      'connectors/service-platform/index.ts',
    ];
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(projectRoot, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(projectRoot, resolve(dirname(join(projectRoot, file)), specifier!));
        if (existsSync(join(projectRoot, target))) visit(target);
      }
    };
    entries.forEach(visit);
    const needed = new Set([...seen].map((f) => f.split('/')[0]!).concat(['schemas', 'config', 'package.json', 'tsconfig.json']));
    expect(seen.size).toBeGreaterThan(100);
    for (const top of needed) {
      expect(copied, `${top} is loaded at run time`).toContain(top);
      expect(ignored, `${top} is in .dockerignore`).not.toContain(top);
    }
  });
});
