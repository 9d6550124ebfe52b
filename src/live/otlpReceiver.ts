// OTLP/HTTP traces receiver on node:http: POST /v1/traces, protobuf and JSON on the same port,
// gzip or plain bodies, answers as the OTLP/HTTP spec says, in the request's content type.
//
//   200  ExportTraceServiceResponse; partialSuccess { rejectedSpans, errorMessage } when some spans were invalid
//   400  the body does not decode (a google.rpc.Status with the reason)
//   404  another path; 405 another method; 415 another content type or content encoding
//   413  the body is past maxBodyBytes, or inflates past maxDecompressedBytes (inflating stops there)
//   503  overloaded, with Retry-After: more than maxConcurrentRequests requests are being read and
//        decoded at once. This also bounds the memory held by bodies in flight to
//        maxConcurrentRequests × (maxBodyBytes + maxDecompressedBytes).
//
// A refused body is read and dropped (never kept), so the connection stays usable and the client
// gets its answer rather than a reset. Bad input never throws out of a handler: every request gets
// an answer and the server keeps serving; a span listener that throws is logged.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { decodeOtlpJson, decodeOtlpProtobuf, OtlpDecodeError, type OtlpDecodeResult } from './otlpDecode';
import { exportTraceServiceResponseType, rpcStatusType } from './otlpTraceSchema';
import type { TraceStore } from './traceStore';

export interface OtlpReceiverOptions {
  host: string;
  /** 0 lets the system choose; the receiver's `port` says which it took. */
  port: number;
  store: TraceStore;
  /** Largest body accepted as sent (compressed or not). Default 8 MiB. */
  maxBodyBytes?: number;
  /** Largest body accepted once gunzipped. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /** Requests read and decoded at once past which the receiver answers 503. Default 16. */
  maxConcurrentRequests?: number;
  log?: (line: string) => void;
}

export interface OtlpReceiver {
  /** The base endpoint (`http://127.0.0.1:4318`), what OTEL_EXPORTER_OTLP_ENDPOINT takes; traces go to `${url}/v1/traces`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** What the receiver has answered since it started. */
  stats(): OtlpReceiverStats;
  close(): Promise<void>;
}

export interface OtlpReceiverStats {
  /** Requests answered, accepted or refused. */
  requests: number;
  /** Requests refused, by HTTP status (`{ "400": 2, "413": 1 }`); a client gone before its answer counts nowhere. */
  refusedRequests: Record<string, number>;
  /** Spans decoded and stored. */
  acceptedSpans: number;
  /** Spans of accepted requests that were invalid (the partialSuccess rejectedSpans). */
  rejectedSpans: number;
}

export const defaultMaxBodyBytes = 8 * 1024 * 1024;
export const defaultMaxDecompressedBytes = 64 * 1024 * 1024;
export const defaultMaxConcurrentRequests = 16;
const tracesPath = '/v1/traces';
const retryAfterSeconds = 1;

type BodyFormat = 'protobuf' | 'json';

/** google.rpc.Code values the answers use. */
const rpcCode = { invalidArgument: 3, notFound: 5, resourceExhausted: 8, unimplemented: 12, internal: 13, unavailable: 14 } as const;

class RequestRefusal extends Error {
  constructor(
    readonly status: number,
    readonly rpcStatusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function startOtlpReceiver(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const maxDecompressedBytes = options.maxDecompressedBytes ?? defaultMaxDecompressedBytes;
  const maxConcurrentRequests = options.maxConcurrentRequests ?? defaultMaxConcurrentRequests;
  const log = options.log ?? (() => undefined);
  let inFlight = 0;
  const counters: OtlpReceiverStats = { requests: 0, refusedRequests: {}, acceptedSpans: 0, rejectedSpans: 0 };
  const countRefusal = (status: number) => {
    counters.requests += 1;
    counters.refusedRequests[status] = (counters.refusedRequests[status] ?? 0) + 1;
  };

  const server = createServer((request, response) => {
    const format = formatOf(request.headers['content-type']);
    const refusal = refusalBeforeBody(request, format, maxBodyBytes, inFlight >= maxConcurrentRequests);
    if (refusal !== undefined) {
      // The body is read and dropped, not kept: closing the connection with it unread would reset
      // it, and the client might lose the answer. server.requestTimeout bounds how long that takes.
      if (refusal.status === 503) response.setHeader('Retry-After', String(retryAfterSeconds));
      countRefusal(refusal.status);
      answerRefusal(response, format ?? 'json', refusal, log);
      request.resume();
      return;
    }
    inFlight += 1;
    let counted = true;
    const release = () => {
      if (counted) inFlight -= 1;
      counted = false;
    };
    response.on('close', release);
    receive(request, format as BodyFormat, { maxBodyBytes, maxDecompressedBytes })
      .then((result) => {
        release();
        counters.requests += 1;
        counters.acceptedSpans += result.spans.length;
        counters.rejectedSpans += result.rejected;
        try {
          options.store.add(result.spans);
        } catch (error) {
          log(`otlp: a span listener failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (result.rejected > 0) log(`otlp: ${result.errorMessage}`);
        answerExport(response, format as BodyFormat, result);
      })
      .catch((error: unknown) => {
        release();
        if (response.destroyed || request.socket.destroyed) {
          log('otlp: a client closed its connection before its request was answered');
          return;
        }
        const refusal =
          error instanceof RequestRefusal
            ? error
            : error instanceof OtlpDecodeError
              ? new RequestRefusal(400, rpcCode.invalidArgument, error.message)
              : new RequestRefusal(500, rpcCode.internal, `the receiver failed: ${error instanceof Error ? error.message : String(error)}`);
        countRefusal(refusal.status);
        answerRefusal(response, format as BodyFormat, refusal, log);
        request.resume();
      });
  });
  // A slow or stalled client holds a slot (and its body) for at most this long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (error, socket) => {
    log(`otlp: bad request from a client: ${error.message}`);
    if (socket.writable) {
      countRefusal(400);
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } else socket.destroy();
  });

  return new Promise<OtlpReceiver>((resolve, reject) => {
    const onListenError = (error: NodeJS.ErrnoException) => {
      server.close();
      reject(listenError(error, options.host, options.port));
    };
    server.once('error', onListenError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onListenError);
      server.on('error', (error) => log(`otlp: server error: ${error.message}`));
      const port = (server.address() as AddressInfo).port;
      const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
      log(`otlp: receiving traces at ${url}${tracesPath}`);
      resolve({
        url,
        host: options.host,
        port,
        stats: () => ({ ...counters, refusedRequests: { ...counters.refusedRequests } }),
        close: () =>
          new Promise<void>((closed) => {
            server.close(() => closed());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    const inUse = new Error(`${host}:${port} is already in use (another Bounded window or an OpenTelemetry collector may be receiving there): choose another port`) as NodeJS.ErrnoException;
    inUse.code = 'EADDRINUSE';
    return inUse;
  }
  const failed = new Error(`the OTLP receiver cannot listen on ${host}:${port}: ${error.message}`) as NodeJS.ErrnoException;
  failed.code = error.code;
  return failed;
}

function formatOf(contentType: string | undefined): BodyFormat | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

function refusalBeforeBody(request: IncomingMessage, format: BodyFormat | undefined, maxBodyBytes: number, overloaded: boolean): RequestRefusal | undefined {
  const path = (request.url ?? '').split('?')[0];
  if (path !== tracesPath) return new RequestRefusal(404, rpcCode.notFound, `no such endpoint: ${path}; traces go to POST ${tracesPath}`);
  if (request.method !== 'POST') return new RequestRefusal(405, rpcCode.unimplemented, `${request.method} is not supported: traces go to POST ${tracesPath}`);
  if (format === undefined) return new RequestRefusal(415, rpcCode.invalidArgument, `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/x-protobuf or application/json`);
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') return new RequestRefusal(415, rpcCode.invalidArgument, `unsupported content encoding ${JSON.stringify(encoding)}: send gzip or no encoding`);
  const declaredLength = Number(request.headers['content-length']);
  if (declaredLength > maxBodyBytes) return new RequestRefusal(413, rpcCode.resourceExhausted, `the body is ${declaredLength} bytes, past the limit of ${maxBodyBytes}`);
  if (overloaded) return new RequestRefusal(503, rpcCode.unavailable, `the receiver is busy with other requests: retry after ${retryAfterSeconds} s`);
  return undefined;
}

interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

async function receive(request: IncomingMessage, format: BodyFormat, limits: BodyLimits): Promise<OtlpDecodeResult> {
  const sent = await readBody(request, limits.maxBodyBytes);
  const gzipped = (request.headers['content-encoding'] ?? '').trim().toLowerCase() === 'gzip';
  const body = gzipped ? await inflate(sent, limits.maxDecompressedBytes) : sent;
  const receivedAt = Date.now();
  return format === 'protobuf' ? decodeOtlpProtobuf(body, receivedAt) : decodeOtlpJson(body, receivedAt);
}

function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBodyBytes) {
        request.off('data', onData);
        chunks.length = 0;
        reject(new RequestRefusal(413, rpcCode.resourceExhausted, `the body is past the limit of ${maxBodyBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks, length)));
    request.once('error', reject);
  });
}

function inflate(body: Buffer, maxDecompressedBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxDecompressedBytes }, (error, inflated) => {
      if (error === null) resolve(inflated);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new RequestRefusal(413, rpcCode.resourceExhausted, `the body inflates past the limit of ${maxDecompressedBytes} bytes`));
      else reject(new RequestRefusal(400, rpcCode.invalidArgument, `the body is not valid gzip: ${error.message}`));
    });
  });
}

function answerExport(response: ServerResponse, format: BodyFormat, result: OtlpDecodeResult): void {
  const partialSuccess = result.rejected > 0 ? { rejected_spans: result.rejected, error_message: result.errorMessage ?? '' } : undefined;
  if (format === 'protobuf') {
    const message = exportTraceServiceResponseType.create(partialSuccess === undefined ? {} : { partial_success: partialSuccess });
    send(response, 200, format, Buffer.from(exportTraceServiceResponseType.encode(message).finish()));
  } else {
    const body = partialSuccess === undefined ? {} : { partialSuccess: { rejectedSpans: result.rejected, errorMessage: partialSuccess.error_message } };
    send(response, 200, format, Buffer.from(JSON.stringify(body)));
  }
}

function answerRefusal(response: ServerResponse, format: BodyFormat, refusal: RequestRefusal, log: (line: string) => void): void {
  log(`otlp: ${refusal.status}: ${refusal.message}`);
  if (refusal.status === 405) response.setHeader('Allow', 'POST');
  if (format === 'protobuf') {
    const status = rpcStatusType.create({ code: refusal.rpcStatusCode, message: refusal.message });
    send(response, refusal.status, format, Buffer.from(rpcStatusType.encode(status).finish()));
  } else {
    send(response, refusal.status, format, Buffer.from(JSON.stringify({ code: refusal.rpcStatusCode, message: refusal.message })));
  }
}

function send(response: ServerResponse, status: number, format: BodyFormat, body: Buffer): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'Content-Type': format === 'protobuf' ? 'application/x-protobuf' : 'application/json', 'Content-Length': body.length });
  response.end(body);
}
