// One GET of a text endpoint (/metrics, /debug/pprof/goroutine?debug=1) with a deadline and a bound
// on the body, failing with an error that says what went wrong in words: refused, timed out, HTTP
// 404, not text, too big. The metrics and pprof sources poll with it.
import * as http from 'node:http';
import * as https from 'node:https';

export interface ScrapeOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** The Accept header. */
  accept: string;
}

export class ScrapeError extends Error {
  constructor(
    message: string,
    /** `refused`, `timeout`, `http-status`, `not-text`, `too-big`, `network`. */
    readonly reason: 'refused' | 'timeout' | 'http-status' | 'not-text' | 'too-big' | 'network',
  ) {
    super(message);
    this.name = 'ScrapeError';
  }
}

/** Resolves with the body as text; rejects with a ScrapeError. `signal` aborts it (as a timeout). */
export function scrapeText(url: URL, options: ScrapeOptions, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    let settled = false;
    const fail = (error: ScrapeError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = get(url, { headers: { accept: options.accept }, signal }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        fail(new ScrapeError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''} from ${url.href}${status === 404 ? ' (is that the right path?)' : ''}`, 'http-status'));
        return;
      }
      const contentType = String(response.headers['content-type'] ?? '');
      if (contentType !== '' && !/^text\/plain\b|^application\/openmetrics-text\b/i.test(contentType)) {
        response.resume();
        fail(new ScrapeError(`${url.href} answers with ${contentType.split(';')[0]}, not text/plain: is it a Prometheus or pprof endpoint?`, 'not-text'));
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
        fail(new ScrapeError(`${url.href} sends ${declared} bytes, more than the ${options.maxBodyBytes} allowed`, 'too-big'));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBodyBytes) fail(new ScrapeError(`${url.href} sends more than the ${options.maxBodyBytes} bytes allowed`, 'too-big'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      response.on('error', (error) => fail(networkError(url, error)));
    });
    request.on('error', (error) => fail(networkError(url, error, signal)));
    const timer = setTimeout(() => fail(new ScrapeError(`${url.href} did not answer within ${options.timeoutMs} ms`, 'timeout')), options.timeoutMs);
  });
}

function networkError(url: URL, error: Error, signal?: AbortSignal): ScrapeError {
  const code = (error as NodeJS.ErrnoException).code;
  if (signal?.aborted) return new ScrapeError(`the scrape of ${url.href} was stopped`, 'timeout');
  if (code === 'ECONNREFUSED') return new ScrapeError(`connection refused by ${url.host} (is the service running?)`, 'refused');
  if (code === 'ECONNRESET') return new ScrapeError(`${url.host} closed the connection (did the service stop?)`, 'network');
  if (code === 'ENOTFOUND') return new ScrapeError(`${url.hostname} is not a known host name`, 'network');
  return new ScrapeError(`${url.href}: ${error.message}`, 'network');
}
