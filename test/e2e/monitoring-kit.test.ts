import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';
import { parseSimpleYaml } from '../helpers/simple-yaml.ts';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * deploy/: the Prometheus alert rules (checked and unit-tested with promtool, Debian package `prometheus`), the scrape
 * config, and the Grafana dashboard; every metric they name must be one the gateway exports, read from a real
 * gateway's /metrics, so a renamed metric cannot leave an alert that never fires.
 */
const deploy = join(projectRoot, 'deploy');
const rulesFile = join(deploy, 'prometheus/gateway-alerts.yml');
const rulesTestFile = join(deploy, 'prometheus/gateway-alerts.test.yml');
type Rule = { alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string; description: string } };
const rules = (parseSimpleYaml(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);
type Panel = { id: number; type: string; title: string; datasource?: unknown; targets?: Array<{ expr: string }>; panels?: Panel[] };
const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana/gateway-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: { query: string } | string }> };
};
const dashboardExprs = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: join(deploy, 'prometheus'), encoding: 'utf8' });

const keywords = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);
/** The metric names a PromQL expression selects: not functions, keywords, labels, strings, durations or variables. */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const before = bare[match.index! - 1];
    if (before === '$' || (before !== undefined && /[0-9.]/.test(before)) || keywords.has(word) || bare.slice(match.index! + word.length).trimStart().startsWith('(')) continue;
    names.push(word);
  }
  return names;
}

let t: TestGateway;
let exported: Set<string>;
beforeAll(async () => {
  t = await startTestGateway();
  const text = await (await request(`${t.url}/metrics`)).body.text();
  exported = new Set();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
  }
});
afterAll(() => t?.close());

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool('check', 'rules', rulesFile);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it("pass promtool test rules, whose tests cover at least three alerts, each firing and not", () => {
    const result = promtool('test', 'rules', rulesTestFile);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
    const tests = (parseSimpleYaml(readFileSync(rulesTestFile, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests.flatMap((t) => t.alert_rule_test);
    const firing = new Set(tests.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const quiet = new Set(tests.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    const both = [...firing].filter((name) => quiet.has(name));
    expect(both.length, `alerts tested both ways: ${both.join(', ')}`).toBeGreaterThanOrEqual(3);
    for (const name of firing) expect(rules.map((r) => r.alert)).toContain(name);
  }, 60_000);

  it('a test that expects the wrong thing fails (promtool really evaluates)', () => {
    const original = readFileSync(rulesTestFile, 'utf8');
    const broken = original.replace('summary: "Dead letters for national-portal wait for an operator"', 'summary: "something else"').replace('  - gateway-alerts.yml', `  - ${rulesFile}`);
    expect(broken).not.toContain('wait for an operator"\n              description: "The oldest dead letter for national-portal is 20m');
    const file = join(mkdtempSync(join(tmpdir(), 'gw-promtool-')), 'broken.test.yml');
    writeFileSync(file, broken);
    const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/FAILED[\s\S]*alertname: GatewayDeadLetters/);
  }, 60_000);

  it('cover what a province watches, each on the metric that says it', () => {
    const exprOf = (alert: string) => rules.find((r) => r.alert === alert)?.expr ?? '';
    const expected: Record<string, string> = {
      GatewayDeadLetters: 'gateway_dead_letter_oldest_age_seconds',
      GatewayCircuitOpen: 'gateway_circuit_state',
      GatewayRetryBacklogOld: 'gateway_queue_oldest_age_seconds',
      GatewayCrlNextUpdateClose: 'gateway_crl_next_update_seconds',
      GatewaySigningCertificateExpiring: 'gateway_certificate_expiry_seconds',
      GatewayPartnerCertificateExpiring: 'gateway_certificate_expiry_seconds',
      GatewayRedisMemoryHigh: 'gateway_redis_used_memory_bytes',
      GatewaySubmissionPollLag: 'gateway_submission_poll_lag_seconds',
      GatewayTrackingPollLag: 'gateway_tracking_poll_lag_seconds',
      GatewayPaymentsAwaitingReview: 'gateway_payments_needing_review',
    };
    for (const [alert, metric] of Object.entries(expected)) expect(metricNamesOf(exprOf(alert)), alert).toContain(metric);
    expect(exprOf('GatewaySigningCertificateExpiring')).toContain('kind="signing"');
    expect(exprOf('GatewayPartnerCertificateExpiring')).toContain('kind="partner"');
    expect(exprOf('GatewayRetryBacklogOld')).toContain('state="delayed"');
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
    }
  });
});

describe('the scrape config', () => {
  it('passes promtool check config (the rule file included) and scrapes every process on the ops port compose gives it', () => {
    const result = promtool('check', 'config', 'prometheus.yml');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const config = parseSimpleYaml(readFileSync(join(deploy, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string; dns_sd_configs: Array<{ names: string[]; port: number }> }> };
    const job = config.scrape_configs.find((c) => c.job_name === 'gateway')!;
    const opsPort = (JSON.parse(readFileSync(join(projectRoot, 'config/compose.json'), 'utf8')) as { http: { ops: { port: number } } }).http.ops.port;
    expect(job.dns_sd_configs[0]).toMatchObject({ names: ['api', 'worker'], port: opsPort });
    expect(rules.find((r) => r.alert === 'GatewayDown')!.expr).toContain('job="gateway"');
    const compose = parseSimpleYaml(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[]; profiles?: string[] }> };
    expect(compose.services.prometheus).toMatchObject({ profiles: ['monitoring'], volumes: ['./deploy/prometheus:/etc/prometheus:ro'] });
  });
});

describe('every metric the kit names', () => {
  it('is one a gateway exports (read from a real /metrics)', () => {
    expect(exported.size).toBeGreaterThan(30);
    const used = new Map<string, string>();
    for (const rule of rules) for (const name of metricNamesOf(rule.expr)) used.set(name, `alert ${rule.alert}`);
    for (const { panel, expr } of dashboardExprs) for (const name of metricNamesOf(expr)) used.set(name, `panel "${panel}"`);
    for (const variable of dashboard.templating.list) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      const metric = query && /label_values\((\w+)/.exec(query)?.[1];
      if (metric) used.set(metric, `variable ${variable.name}`);
    }
    expect(used.size).toBeGreaterThan(15);
    // `up` is Prometheus's own, for every target it scrapes.
    const unknown = [...used].filter(([name]) => name !== 'up' && !exported.has(name)).map(([name, where]) => `${name} (${where})`);
    expect(unknown).toEqual([]);
  });

  it('reads PromQL the way Prometheus does (functions, labels, keywords and variables are no metric names)', () => {
    expect(metricNamesOf('histogram_quantile(0.95, sum by (le, destination) (rate(gateway_delivery_duration_seconds_bucket{destination=~"$destination"}[$__rate_interval])))')).toEqual(['gateway_delivery_duration_seconds_bucket']);
    expect(metricNamesOf('max(a_used) / max(b_max > 0) > 0.8 and on() vector(1) unless c_total offset 5m')).toEqual(['a_used', 'b_max', 'c_total']);
  });

  it('on the dashboard: queues, attempts, dead letters, circuits, ingest, latency, Redis, poll lags, payments, certificates and CRLs', () => {
    const onDashboard = new Set(dashboardExprs.flatMap(({ expr }) => metricNamesOf(expr)));
    for (const metric of [
      'gateway_queue_jobs',
      'gateway_queue_oldest_age_seconds',
      'gateway_delivery_attempts_total',
      'gateway_dead_letter_oldest_age_seconds',
      'gateway_circuit_state',
      'gateway_ingest_total',
      'gateway_accept_duration_seconds_bucket',
      'gateway_delivery_duration_seconds_bucket',
      'gateway_end_to_end_seconds_bucket',
      'gateway_redis_used_memory_bytes',
      'gateway_tracking_poll_lag_seconds',
      'gateway_submission_poll_lag_seconds',
      'gateway_payments_needing_review',
      'gateway_certificate_expiry_seconds',
      'gateway_crl_next_update_seconds',
    ]) {
      expect(onDashboard, metric).toContain(metric);
    }
    // Panel ids are unique and every panel queries through the dashboard's datasource variable.
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.datasource))).not.toMatch(/"uid":"(?!\$\{datasource\})/);
  });
});

it('promtool is installed (the Debian prometheus package; .ci/run installs it)', () => {
  expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' }) + '').toMatch(/promtool, version/);
});
