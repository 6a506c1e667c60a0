/**
 * npm run bench: ingest throughput and latency of the full gateway (auth, parse, validate, CMS verify,
 * dedupe, durable enqueue) beside two baselines measured in the same run on the same machine:
 * a fastify hello-world and a bare route that only does queue.add. Then signature verification rates.
 * BENCH_SECONDS (default 8) and BENCH_CONNECTIONS (default 50) tune the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config/load-config.ts';
import { projectRoot } from '../src/gateway.ts';
import { hashApiKey } from '../src/pipeline/authenticate-partner.ts';
import { EmbeddedRedis } from '../src/redis/embedded-redis.ts';
import { issueCertificate } from '../src/signatures/pki-factory.ts';
import { signCms } from '../src/signatures/sign-cms.ts';
import { createTestPki } from '../test/helpers/test-pki.ts';
import { signatureBenchmarks } from './signature-bench.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const workDir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
const pki = createTestPki();
/**
 * The gateway takes a signature sent again as the message it already is (one signature, one message), so every
 * request to it is a new message signed for it. ECDSA P-256 signs in ~50 µs, cheap enough for the load generator to
 * sign each request as it goes (RSA would take a core of its own); the gateway verifies it like any other.
 */
const ecSigner = pki.signerFor(issueCertificate({ commonName: 'Benchmark signer (ECDSA P-256)', organization: 'Sandbox Province', issuer: pki.intermediate, keyType: 'ec' }));
const apiKey = `bench_${randomBytes(12).toString('hex')}`;
const agencyCode = '000.00.01.H22';

const statusUpdate = (dossierNumber: string) =>
  Buffer.from(
    JSON.stringify({
      dossierCode: `${agencyCode}-261123-${dossierNumber}`,
      procedureCode: '1.001612.000.00.00.H22',
      agencyCode,
      status: 4,
      statusTime: '2026-11-23T09:15:00+07:00',
      channel: 'online',
      note: 'Chuyển phòng chuyên môn thẩm định',
      applicant: { fullName: 'Nguyễn Văn Mẫu', personalId: '001099012345' },
    }),
  );
const body = statusUpdate('000123');

const unusedUrl = 'http://127.0.0.1:9';

function configFor(redisUrl: string) {
  return loadConfig({
    rootDir: projectRoot,
    env: {},
    overrides: {
      role: 'api',
      http: { host: '127.0.0.1', port: 0 },
      redis: { url: redisUrl, prefix: `bench${randomBytes(3).toString('hex')}` },
      log: { level: 'warn' },
      trust: { directories: [pki.trustDir] },
      // The api role calls no remote system during ingest; every one needs an address all the same.
      destinations: {
        'national-portal': { baseUrl: unusedUrl },
        'provincial-system': { baseUrl: unusedUrl },
        vnpost: { baseUrl: unusedUrl, transport: null },
      },
      payments: { providers: { vnpay: { baseUrl: unusedUrl }, paygov: { baseUrl: unusedUrl } } },
      registries: { population: { baseUrl: unusedUrl } },
      partners: {
        bench: {
          name: 'Benchmark partner',
          apiKeyHashes: [hashApiKey(apiKey)],
          agencies: [agencyCode],
          certificates: [pki.signer.certificatePem, ecSigner.certificatePem].map((pem) => ({ fingerprint256: new X509Certificate(pem).fingerprint256 })),
          rateLimit: { max: 1_000_000_000, timeWindowMs: 1000 },
        },
      },
    },
  });
}

async function startServer(scenario: string, redisUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const file = join(workDir, `${scenario}-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(configFor(redisUrl)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bench-server.ts', scenario, file], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /READY (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${scenario} server exited ${code}`)));
  });
  return { url, child };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** Failed requests, and for the gateway also duplicates (200): every request must be stored as a new message. */
  non2xx: number;
}

/** The baselines take any body; the gateway gets a new dossier, signed for it, in every request (see ecSigner). */
async function load(name: string, url: string, newMessageEachRequest: boolean): Promise<Row> {
  let counter = 0;
  const run = randomBytes(4).toString('hex');
  const nextMessage = () => {
    const fresh = statusUpdate(`${run}${counter++}`);
    return { body: fresh.toString(), signature: signCms(fresh, ecSigner) };
  };
  const result = await autocannon({
    url: `${url}/v1/dossiers/status`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'x-timestamp': new Date().toISOString(),
      'x-signature': signCms(body, pki.defaultSigner),
    },
    body: body.toString(),
    requests: [
      {
        setupRequest: (req: any) => {
          if (!newMessageEachRequest) return req;
          const { body: text, signature } = nextMessage();
          return { ...req, body: text, headers: { ...req.headers, 'x-signature': signature, 'idempotency-key': `bench-${run}-${counter}` } };
        },
      },
    ],
  });
  // A 200 from the gateway is a duplicate (nothing stored): the bench must not have measured those.
  const duplicates = newMessageEachRequest ? ((result as any).statusCodeStats?.['200']?.count ?? 0) : 0;
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors + duplicates };
}

const redisAlways = new EmbeddedRedis({ dir: join(workDir, 'redis-always'), port: 0, appendfsync: 'always' });
const redisEverysec = new EmbeddedRedis({ dir: join(workDir, 'redis-everysec'), port: 0, appendfsync: 'everysec' });
/** Servers started and not yet stopped: a failed run stops them too, and its redis-servers. */
const running = new Set<ChildProcess>();

async function stopEverything(): Promise<void> {
  for (const child of running) child.kill('SIGTERM');
  await Promise.allSettled([redisAlways.stop(), redisEverysec.stop()]);
  rmSync(workDir, { recursive: true, force: true });
}

async function main() {
  await Promise.all([redisAlways.start(), redisEverysec.start()]);
  const scenarios: Array<[string, string, string]> = [
    ['fastify hello-world', 'hello', redisEverysec.url],
    ['bare: route → queue.add (AOF everysec)', 'bare', redisEverysec.url],
    ['gateway ingest (AOF everysec)', 'gateway', redisEverysec.url],
    ['bare: route → queue.add (AOF always)', 'bare', redisAlways.url],
    ['gateway ingest (AOF always, default)', 'gateway', redisAlways.url],
  ];
  const rows: Row[] = [];
  for (const [name, scenario, redisUrl] of scenarios) {
    const server = await startServer(scenario, redisUrl);
    running.add(server.child);
    process.stderr.write(`bench: ${name} for ${seconds}s at ${connections} connections…\n`);
    rows.push(await load(name, server.url, scenario === 'gateway'));
    server.child.kill('SIGTERM');
    running.delete(server.child);
  }
  const hello = rows[0]!.rps;
  const bareFor = (row: Row) => rows.find((r) => r.name.startsWith('bare') && r.name.includes(row.name.match(/AOF \w+/)?.[0] ?? '§'))?.rps;

  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  const lines = [
    `Ingest, ${seconds}s per row, ${connections} connections, one process per server, node ${process.version}`,
    `${pad('scenario', 42)}${pad('req/s', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('errors', 8)}${pad('÷ hello', 9)}÷ bare`,
    ...rows.map((r) => {
      const bare = bareFor(r);
      return `${pad(r.name, 42)}${pad(Math.round(r.rps), 10)}${pad(r.p50, 8)}${pad(r.p99, 8)}${pad(r.non2xx, 8)}${pad((r.rps / hello).toFixed(2), 9)}${bare && !r.name.startsWith('bare') ? (r.rps / bare).toFixed(2) : ''}`;
    }),
    '',
    'Signature verification (in process)',
    ...(await signatureBenchmarks(pki, body)).map((r) => `${pad(r.name, 50)}${Math.round(r.opsPerSecond)} /s`),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().then(stopEverything, async (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  await stopEverything();
  process.exit(1);
});
