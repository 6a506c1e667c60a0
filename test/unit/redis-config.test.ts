import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { projectRoot } from '../../src/gateway.ts';
import { describeRedis, redisConfigured } from '../../src/redis/connections.ts';
import { queuePrefix } from '../../src/redis/key-space.ts';

const load = (redis: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => loadConfig({ rootDir: projectRoot, env, overrides: { redis } });
const sentinel = { name: 'gw', sentinels: [{ host: '10.0.0.11', port: 26379 }, { host: '10.0.0.12', port: 26379 }] };

describe('redis configuration', () => {
  it('takes a Sentinel-watched primary instead of a URL, and no embedded redis-server is started for it', () => {
    const config = load({ sentinel: { ...sentinel, password: 'secret' } });
    expect(config.redis.sentinel).toMatchObject(sentinel);
    expect(redisConfigured(config.redis)).toBe(true);
    expect(describeRedis(config.redis)).toBe('sentinel "gw" via 10.0.0.11:26379, 10.0.0.12:26379');
    expect(describeRedis(load({ url: 'redis://:secret@10.0.0.5:6379' }).redis)).toBe('redis://10.0.0.5:6379');
    expect(redisConfigured(load({}).redis)).toBe(false);
  });

  it('names the key of a malformed sentinel section', () => {
    expect(() => load({ sentinel: { sentinels: [] } })).toThrowError(/\/redis\/sentinel must have required property 'name'/);
    expect(() => load({ sentinel: { name: 'gw', sentinels: [] } })).toThrowError(/\/redis\/sentinel\/sentinels must NOT have fewer than 1 items/);
    expect(() => load({ sentinel: { name: 'gw', sentinels: [{ host: 'a', port: 70000 }] } })).toThrowError(/\/redis\/sentinel\/sentinels\/0\/port must be <= 65535/);
  });

  it('refuses two ways to reach Redis at once, REDIS_URL included', () => {
    expect(() => load({ sentinel }, { REDIS_URL: 'redis://10.0.0.5:6379' })).toThrowError(/\/redis: \/redis\/url and \/redis\/sentinel are alternatives; give one/);
  });

  it('refuses replica acknowledgements where there is nothing to count them on', () => {
    expect(() => load({ minReplicasAcked: 1 })).toThrowError(/\/redis\/minReplicasAcked needs a Redis with replicas/);
    expect(() => load({ minReplicasAcked: -1, url: 'redis://x' })).toThrowError(/\/redis\/minReplicasAcked must be >= 0/);
    expect(load({ minReplicasAcked: 0 }).redis.minReplicasAcked).toBe(0);
    expect(load({ minReplicasAcked: 2, url: 'redis://10.0.0.5:6379' }).redis.minReplicasAcked).toBe(2);
    expect(load({ minReplicasAcked: 1, cluster: { nodes: [{ host: '10.0.0.21', port: 7000 }] } }).redis.minReplicasAcked).toBe(1);
    expect(load({ sentinel }).redis.replicaAckTimeoutMs).toBe(1000);
  });

  it('on a Cluster, makes the prefix a hash tag for the gateway own keys and gives each queue a tag of its own; elsewhere names stay as they were', () => {
    const cluster = { nodes: [{ host: '10.0.0.21', port: 7000 }] };
    const onCluster = load({ cluster, prefix: 'gw' }).redis;
    expect(onCluster.prefix).toBe('{gw}');
    expect(queuePrefix(onCluster, 'national-portal')).toBe('gw:{national-portal}');
    expect(describeRedis(onCluster)).toBe('cluster via 10.0.0.21:7000');
    // A config written back out (a child process's file) loads the same.
    expect(load({ cluster, prefix: '{gw}' }).redis.prefix).toBe('{gw}');
    const single = load({ url: 'redis://10.0.0.5:6379', prefix: 'gw' }).redis;
    expect(single.prefix).toBe('gw');
    expect(queuePrefix(single, 'national-portal')).toBe('gw');
  });

  it('refuses on a Cluster what it cannot honour there', () => {
    const cluster = { nodes: [{ host: '10.0.0.21', port: 7000 }] };
    expect(() => load({ cluster, prefix: 'g{w}' })).toThrowError(/\/redis\/prefix: with \/redis\/cluster, give it plain/);
    expect(() => load({ cluster }, { REDIS_URL: 'redis://10.0.0.5:6379' })).toThrowError(/\/redis\/url and \/redis\/cluster are alternatives/);
    expect(() => load({ cluster: { nodes: [{ host: 'a' }] } })).toThrowError(/\/redis\/cluster\/nodes\/0 must have required property 'port'/);
  });
});

