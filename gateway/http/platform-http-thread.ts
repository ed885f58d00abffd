// Platform API calls on a thread of their own. Sending a reply is one call to the platform, and
// the HTTP client (axios and Node's http client, with their socket writes) was about a quarter of
// the event loop's busy time at 500 replies a second (CPU profile), on the loop that also stores
// messages and serves the agents' sockets. This axios adapter hands each plain call (a string
// body or none, a text or JSON answer) to a worker thread, where axios makes it with its own http
// adapter. What stays here is axios's configuration, parsing and the hand-over: under half of
// that quarter. Everything else (streamed downloads, form uploads, calls with an abort signal)
// stays on axios's http adapter here. Whichever thread makes the call, its caller sees the same
// thing: a response whose data axios then parses as usual, or an AxiosError with the same code
// (ECONNABORTED for a timeout, ECONNREFUSED...) and, for a status outside validateStatus, the
// response. The price is CPU: the worker runs axios's request pipeline a second time, so the
// process uses about 0.3 ms more CPU per reply in all (bench:outbound), on the other core.
//
// The worker keeps its own kept-alive connections, applies the call's timeout, follows no
// redirect and reads no proxy from the environment, as platformHttp asks. Should the worker die,
// the calls in flight fail as network errors (transient: the send job retries them) and the next
// call starts a new one. It does not keep the process alive when no call is in flight.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import axios, { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

/** What crosses to the worker: the parts of a merged request config that say what to send. */
interface Call {
  id: number;
  method?: string; baseURL?: string; url?: string; params?: unknown;
  headers: Record<string, unknown>; data?: string;
  auth?: { username: string; password: string };
  timeout?: number; timeoutErrorMessage?: string; transitional?: unknown;
  maxContentLength?: number; maxBodyLength?: number; decompress?: boolean;
  allowAbsoluteUrls?: boolean;
}
type Answer = { id: number; status: number; statusText: string; headers: Record<string, string | string[]>; data: string }
  | { id: number; error: { message: string; code?: string } };

// An eval'd worker, so that it runs the same from sources (tsx) and from the build. Eval'd code is
// CommonJS, or a module when node runs with --input-type=module; dynamic imports work in both.
const WORKER = `
Promise.all([import('node:worker_threads'), import('node:http'), import('node:https')]).then(async ([{ parentPort, workerData }, http, https]) => {
  const axios = (await import(workerData.axios)).default;
  const agentOptions = { keepAlive: true, keepAliveMsecs: workerData.keepAliveMsecs };
  const client = axios.create({
    proxy: false, maxRedirects: 0, httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions),
    responseType: 'text', transformResponse: [(d) => d], validateStatus: () => true,
  });
  parentPort.on('message', (call) => {
    const id = call.id;
    client.request(call).then(
      (r) => parentPort.postMessage({ id, status: r.status, statusText: r.statusText, headers: r.headers.toJSON(), data: typeof r.data === 'string' ? r.data : '' }),
      (e) => parentPort.postMessage({ id, error: { message: String(e && e.message || e), code: e && e.code } }),
    );
  });
});
`;

/**
 * The keep-alive probe delay axios sets on every request's socket (60 s), for the agents of both
 * threads. With Node's default agent (1 s) the two took turns: eight setsockopt calls per request,
 * where equal settings make Node skip them all after the first.
 */
export const AXIOS_KEEPALIVE_PROBE_MS = 60_000;

const onThisThread = axios.getAdapter('http');
type Pending = { config: InternalAxiosRequestConfig; resolve: (r: AxiosResponse) => void; reject: (e: unknown) => void };
let nextId = 0;

/** One worker and the calls it has in flight. */
class HttpThread {
  private readonly worker: Worker;
  private readonly inFlight = new Map<number, Pending>();
  dead = false;

  constructor() {
    const require = createRequire(import.meta.url);
    this.worker = new Worker(WORKER, { eval: true, workerData: { axios: pathToFileURL(require.resolve('axios')).href, keepAliveMsecs: AXIOS_KEEPALIVE_PROBE_MS } });
    this.worker.on('message', (a: Answer) => this.answered(a));
    this.worker.on('error', (err) => this.fail(`its thread failed (${err.message})`));
    this.worker.on('exit', (code) => this.fail(`its thread stopped (exit code ${code})`));
    this.worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
  }

  /** False when `call` cannot be copied to another thread (a params object with methods, say). */
  send(call: Call, pending: Pending): boolean {
    try {
      this.worker.postMessage(call);
    } catch {
      return false;
    }
    if (this.inFlight.size === 0) this.worker.ref();
    this.inFlight.set(call.id, pending);
    return true;
  }

  private answered(a: Answer): void {
    const pending = this.inFlight.get(a.id);
    if (!pending) return;
    this.inFlight.delete(a.id);
    if (this.inFlight.size === 0) this.worker.unref();
    const { config, resolve, reject } = pending;
    if ('error' in a) {
      reject(new AxiosError(a.error.message, a.error.code, config));
      return;
    }
    const response: AxiosResponse = { data: a.data, status: a.status, statusText: a.statusText, headers: new AxiosHeaders(a.headers), config, request: undefined };
    // What axios's own adapters do (settle): a status outside validateStatus fails with the response.
    if (!config.validateStatus || config.validateStatus(a.status)) resolve(response);
    else reject(new AxiosError(`Request failed with status code ${a.status}`, a.status >= 400 && a.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE, config, undefined, response));
  }

  private fail(why: string): void {
    this.dead = true;
    for (const { config, reject } of this.inFlight.values()) reject(new AxiosError(`The platform call was cut short: ${why}.`, AxiosError.ERR_NETWORK, config));
    this.inFlight.clear();
  }

  stop(): Promise<number> { this.dead = true; return this.worker.terminate(); }
}
let thread: HttpThread | undefined;

/** Calls made by the worker and on this thread, for tests. */
export const platformHttpThreadStats = { offThread: 0, onThisThread: 0 };

function here(config: InternalAxiosRequestConfig) {
  platformHttpThreadStats.onThisThread++;
  return onThisThread(config);
}

/** The adapter platformHttp's instances use. */
export const platformHttpAdapter: AxiosAdapter = (config) => {
  if (!plain(config)) return here(config);
  const call: Call = {
    id: ++nextId, method: config.method, baseURL: config.baseURL, url: config.url, params: config.params,
    headers: config.headers.toJSON(true) as Record<string, unknown>, data: config.data ?? undefined,
    auth: config.auth, timeout: config.timeout, timeoutErrorMessage: config.timeoutErrorMessage, transitional: config.transitional,
    maxContentLength: config.maxContentLength, maxBodyLength: config.maxBodyLength, decompress: config.decompress,
    allowAbsoluteUrls: config.allowAbsoluteUrls,
  };
  startPlatformHttpThread();
  let sent = false;
  const answer = new Promise<AxiosResponse>((resolve, reject) => { sent = thread!.send(call, { config, resolve, reject }); });
  if (!sent) return here(config);
  platformHttpThreadStats.offThread++;
  return answer;
};

/** A call the worker can make as well as this thread: nothing in it is a stream, a function or a signal. */
function plain(c: InternalAxiosRequestConfig): boolean {
  return (c.data == null || typeof c.data === 'string')
    && (!c.responseType || c.responseType === 'json' || c.responseType === 'text')
    && !c.signal && !c.cancelToken && !c.onUploadProgress && !c.onDownloadProgress
    && !c.maxRedirects && !c.socketPath && !c.beforeRedirect && !c.lookup && !customSerializer(c.paramsSerializer);
}

function customSerializer(s: unknown): boolean {
  return typeof s === 'function' || (typeof s === 'object' && s !== null && Object.values(s).some((v) => typeof v === 'function'));
}

/**
 * Starts the worker ahead of the first call (the gateway does, when it starts): a thread loading
 * axios while the first replies of a fresh process queue for it made them wait hundreds of ms.
 * Idle, it keeps no process alive.
 */
export function startPlatformHttpThread(): void {
  if (!thread || thread.dead) thread = new HttpThread();
}

/** Stops the worker (tests, shutdown); calls in flight fail as network errors, and a later call starts a new one. */
export async function stopPlatformHttpThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  if (t) await t.stop();
}
