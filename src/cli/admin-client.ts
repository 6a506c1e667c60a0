import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import { CliFailure, exitCodes, usageError } from './cli-errors.ts';

/**
 * Where and who: GATEWAY_URL and GATEWAY_ADMIN_TOKEN, else the local sandbox's (var/sandbox/sandbox.json): its
 * operators' listener (`adminUrl`, the `http.ops` address when one is set), else where the gateway listens.
 */
export function target(): { url: string; token: string } {
  let sandbox: { gatewayUrl?: string; adminUrl?: string; adminToken?: string } = {};
  try {
    sandbox = JSON.parse(readFileSync(resolve(new URL('../..', import.meta.url).pathname, 'var/sandbox/sandbox.json'), 'utf8'));
  } catch {
    // no local sandbox: the environment must say
  }
  const url = (process.env.GATEWAY_URL ?? sandbox.adminUrl ?? sandbox.gatewayUrl)?.replace(/\/+$/, '');
  const token = process.env.GATEWAY_ADMIN_TOKEN ?? sandbox.adminToken;
  if (!url || !token) throw usageError('set GATEWAY_URL and GATEWAY_ADMIN_TOKEN (or start the sandbox with npm start)');
  if (!/^https?:\/\/[^/]/.test(url)) throw usageError(`GATEWAY_URL must be an http(s) URL, not "${url}"`);
  return { url, token };
}

/** undici's request, with a failure to connect said in one line that names the URL (exit 3). */
export async function reach(path: string, options: Parameters<typeof request>[1] = {}) {
  const { url, token } = target();
  try {
    return await request(`${url}${path}`, {
      ...options,
      headers: { authorization: `Bearer ${token}`, ...(options.headers as Record<string, string> | undefined) },
      headersTimeout: 60_000,
    });
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string }; message: string };
    throw new CliFailure(`cannot reach the gateway at ${url}: ${e.code ?? e.cause?.code ?? e.message}`, exitCodes.unreachable);
  }
}

/** One admin API call; the gateway's refusal `{error, message, details}` becomes one line with its code. */
export async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await reach(`/admin/api${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliFailure(`HTTP ${res.statusCode} from ${target().url}${path.split('?')[0]} is not the admin API's JSON (is GATEWAY_URL the gateway?)`);
  }
  if (res.statusCode >= 400) {
    const details = json.details?.length ? ` (${json.details.map((d: any) => `${d.path} ${d.message}`).join('; ')})` : '';
    const exitCode = res.statusCode === 401 || res.statusCode === 403 ? exitCodes.notAllowed : json.error === 'SCHEMA_INVALID' ? exitCodes.usage : exitCodes.failed;
    throw new CliFailure(`${res.statusCode} ${json.error}: ${json.message}${details}`, exitCode);
  }
  return json;
}
