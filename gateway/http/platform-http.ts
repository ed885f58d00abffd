// The one way adapters call a platform's API: axios with the channel's base URL and a timeout on
// every call, and one reading of failures as SendError (permanent, or transient after Retry-After).
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { SendError } from '../send-error.js';
import { AXIOS_KEEPALIVE_PROBE_MS, platformHttpAdapter } from './platform-http-thread.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** For attachment downloads: large files on slow CDNs need longer than an API call. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;
const MAX_RETRY_AFTER_MS = 3_600_000;
/** Attachments may sit behind a CDN redirect; API calls are never redirected (see platformHttp). */
export const DOWNLOAD_MAX_REDIRECTS = 3;

/** Kept-alive connections with axios's own keep-alive probe delay (see AXIOS_KEEPALIVE_PROBE_MS), as on the HTTP thread. */
const httpAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: AXIOS_KEEPALIVE_PROBE_MS });
const httpsAgent = new https.Agent({ keepAlive: true, keepAliveMsecs: AXIOS_KEEPALIVE_PROBE_MS });

/**
 * An axios instance for one platform API. Never reads proxies from the environment, and follows
 * no redirect: a send API that redirects is failing, and the message body and credentials must
 * not go elsewhere (downloads allow DOWNLOAD_MAX_REDIRECTS per request). This also keeps each call
 * on Node's own http client. Plain calls are made on a thread of their own (platform-http-thread.ts).
 * Instances hold only this configuration, so one is kept per address and timeout rather than
 * built per call.
 */
export function platformHttp(baseURL: string | undefined, timeoutMs = DEFAULT_TIMEOUT_MS): AxiosInstance {
  const key = `${timeoutMs} ${baseURL ?? ''}`;
  let client = instances.get(key);
  if (!client) {
    if (instances.size >= 1000) instances.clear(); // many channels with their own addresses: start over rather than grow
    instances.set(key, (client = axios.create({ baseURL, timeout: timeoutMs, proxy: false, maxRedirects: 0, httpAgent, httpsAgent, adapter: platformHttpAdapter })));
  }
  return client;
}
const instances = new Map<string, AxiosInstance>();

/** What a platform's error body says, read by the adapter that knows its shape. */
export interface ErrorReading {
  reason?: string; permanent?: boolean;
  /** A wait the platform asked for in its body (Telegram's parameters.retry_after) rather than in Retry-After. */
  retryAfterMs?: number;
}

/**
 * Any failure of a platform call as a SendError. Defaults: 408, 429 and 5xx are transient
 * (honouring Retry-After), other 4xx permanent, timeouts and network errors transient. `read`
 * lets the adapter give the platform's own reason and overrule permanence.
 */
export function sendErrorFrom(err: unknown, platform: string, read?: (status: number, data: unknown) => ErrorReading): SendError {
  if (err instanceof SendError) return err;
  if (!axios.isAxiosError(err)) return SendError.transient(`${platform}: ${(err as Error)?.message ?? String(err)}`);
  const res = err.response;
  if (!res) {
    const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
    return SendError.transient(timedOut
      ? `${platform} did not answer within ${err.config?.timeout ?? '?'} ms.`
      : `${platform} could not be reached (${err.code ?? err.message}).`);
  }
  const reading = read?.(res.status, res.data) ?? {};
  const reason = `${platform} answered ${res.status}${reading.reason ? `: ${reading.reason}` : ''}`;
  const retryAfterMs = retryAfter(res.headers['retry-after']) ?? (reading.retryAfterMs !== undefined ? Math.min(Math.max(reading.retryAfterMs, 0), MAX_RETRY_AFTER_MS) : undefined);
  const transientByStatus = res.status === 408 || res.status === 429 || res.status >= 500;
  const permanent = reading.permanent ?? !transientByStatus;
  return permanent ? SendError.permanent(reason) : SendError.transient(reason, retryAfterMs);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
