// A client of a Node inspector (`node --inspect`): lists its targets over HTTP (`/json/list`) and
// speaks the Chrome DevTools Protocol over the target's WebSocket, restricted to the Runtime domain.
// Anyone who can reach an inspector can run any code in the process, so both the HTTP listing and the
// WebSocket are refused on a non-loopback host unless the caller passes allowNonLoopback (the
// extension asks the user twice first). The Debugger domain is never used: it can be expensive and
// pauses are a hazard in a live service; a call outside Runtime.* is refused here, before it is sent.
// Every request has an id and a timeout; when the target dies, pending requests reject with an
// InspectorError('process-gone') and the connection's state becomes 'closed'.
// A Node process that exits while a session is connected waits for it to disconnect ("Waiting for
// the debugger to disconnect..."): a service shutting down would hang while Bounded is attached. So
// each connection asks for `NodeRuntime.waitingForDisconnect` (NodeRuntime.notifyWhenWaitingForDisconnect,
// the one call outside Runtime.*, made here and not open to callers) and closes when it comes.
import * as http from 'node:http';
import { isIP } from 'node:net';
import WebSocket from 'ws';

export type InspectorErrorCode = 'not-loopback' | 'unreachable' | 'bad-response' | 'timeout' | 'process-gone' | 'protocol-error' | 'refused-method';

export class InspectorError extends Error {
  constructor(
    readonly code: InspectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InspectorError';
  }
}

/** One entry of `/json/list`. */
export interface InspectorTarget {
  id: string;
  type: string;
  title: string;
  url: string;
  webSocketDebuggerUrl: string;
}

export interface InspectorEndpointOptions {
  /** Default 127.0.0.1. */
  host?: string;
  port: number;
  /** Lets a non-loopback host through. The caller must have asked the user (twice, in the extension). */
  allowNonLoopback?: boolean;
  /** Default 2000 ms. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 2000;
/** A `/json/list` answer or one CDP message larger than this is refused (memory stays bounded). */
const maxMessageBytes = 16 * 1024 * 1024;

/** 127.0.0.0/8, ::1, ::ffff:127.x.y.z and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family === 6) {
    const lower = bare.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

function refuseNonLoopback(host: string, allowNonLoopback: boolean | undefined, what: string): void {
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new InspectorError('not-loopback', `refusing to connect to the inspector ${what} on ${host}: not a loopback address (anyone who can reach an inspector can run code in the process; pass allowNonLoopback only after asking the user)`);
  }
}

/** The targets of the inspector at host:port (one per process for Node; worker threads are not listed). */
export function listInspectorTargets(options: InspectorEndpointOptions): Promise<InspectorTarget[]> {
  const host = options.host ?? '127.0.0.1';
  refuseNonLoopback(host, options.allowNonLoopback, 'listing');
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  return new Promise((resolve, reject) => {
    const request = http.get({ host: host.replace(/^\[|\]$/g, ''), port: options.port, path: '/json/list', timeout: timeoutMs, headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxMessageBytes) {
          request.destroy(new InspectorError('bad-response', `the inspector's /json/list on ${host}:${options.port} is larger than ${maxMessageBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new InspectorError('bad-response', `${host}:${options.port}/json/list answered ${response.statusCode}: not a Node inspector?`));
          return;
        }
        try {
          resolve(targetsOf(JSON.parse(Buffer.concat(chunks).toString('utf8')), `${host}:${options.port}`));
        } catch (error) {
          reject(error instanceof InspectorError ? error : new InspectorError('bad-response', `${host}:${options.port}/json/list is not the JSON an inspector sends: ${(error as Error).message}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new InspectorError('timeout', `no answer from the inspector on ${host}:${options.port} within ${timeoutMs} ms`)));
    request.on('error', (error) => {
      if (error instanceof InspectorError) reject(error);
      else reject(new InspectorError('unreachable', `no inspector on ${host}:${options.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
  });
}

function targetsOf(json: unknown, where: string): InspectorTarget[] {
  if (!Array.isArray(json)) throw new InspectorError('bad-response', `${where}/json/list is not a list`);
  const targets: InspectorTarget[] = [];
  for (const entry of json) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, type, title, url, webSocketDebuggerUrl } = entry as Record<string, unknown>;
    // A target another client is attached to exclusively has no webSocketDebuggerUrl (Chrome); skip it.
    if (typeof id !== 'string' || typeof webSocketDebuggerUrl !== 'string') continue;
    targets.push({ id, type: typeof type === 'string' ? type : 'node', title: typeof title === 'string' ? title : '', url: typeof url === 'string' ? url : '', webSocketDebuggerUrl });
  }
  return targets;
}

export interface InspectorConnectOptions {
  allowNonLoopback?: boolean;
  /** Timeout of the WebSocket handshake and the default of each request. Default 2000 ms. */
  timeoutMs?: number;
}

/** A `Runtime.evaluate` result (returnByValue) or a thrown exception in the target. */
export interface EvaluateResult {
  value?: unknown;
  exception?: string;
}

export type InspectorConnectionState = 'open' | 'closed';

export interface InspectorConnection {
  readonly state: InspectorConnectionState;
  /** A Runtime.* method; anything else is refused without being sent. */
  call(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /**
   * Evaluates an expression in the target's main context and returns its value by value (JSON).
   * `includeCommandLineAPI` puts `require` in scope whether the target's main module is CJS or ESM.
   */
  evaluate(expression: string, timeoutMs?: number): Promise<EvaluateResult>;
  /** Called once when the connection closes, whether by close() or because the target went away. */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

interface PendingRequest {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: InspectorError) => void;
  timer: NodeJS.Timeout;
}

/** Opens the target's WebSocket (ws://host:port/<id>). Rejects with an InspectorError. */
export function connectInspector(webSocketUrl: string, options: InspectorConnectOptions = {}): Promise<InspectorConnection> {
  let url: URL;
  try {
    url = new URL(webSocketUrl);
  } catch {
    return Promise.reject(new InspectorError('bad-response', `"${webSocketUrl}" is not a WebSocket URL`));
  }
  if (url.protocol !== 'ws:') return Promise.reject(new InspectorError('bad-response', `"${webSocketUrl}" is not a ws:// URL`));
  try {
    refuseNonLoopback(url.hostname, options.allowNonLoopback, 'WebSocket');
  } catch (error) {
    return Promise.reject(error);
  }
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(webSocketUrl, { handshakeTimeout: timeoutMs, perMessageDeflate: false, maxPayload: maxMessageBytes, followRedirects: false });
    let opened = false;
    socket.once('open', () => {
      opened = true;
      const connection = connectionOver(socket, webSocketUrl, timeoutMs);
      // Older or non-Node targets refuse it: nothing waits for them at exit then.
      connection.notifyWhenExiting().then(
        () => resolve(connection),
        () => resolve(connection),
      );
    });
    socket.on('error', (error) => {
      if (!opened) reject(new InspectorError('unreachable', `cannot open the inspector WebSocket ${webSocketUrl}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    socket.once('close', () => {
      if (!opened) reject(new InspectorError('process-gone', `the inspector WebSocket ${webSocketUrl} closed before it opened (another client attached, or the process exited)`));
    });
  });
}

function connectionOver(socket: WebSocket, webSocketUrl: string, defaultRequestTimeoutMs: number): InspectorConnection & { notifyWhenExiting(): Promise<unknown> } {
  const pending = new Map<number, PendingRequest>();
  const closeListeners: Array<(reason: string) => void> = [];
  let nextId = 1;
  let state: InspectorConnectionState = 'open';
  let closeReason = '';

  const closed = new Promise<void>((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => {
      state = 'closed';
      closeReason ||= `the target closed the inspector connection (code ${code}${reason.length > 0 ? `, ${reason.toString()}` : ''}): the process exited or its inspector stopped`;
      for (const [id, request] of pending) {
        clearTimeout(request.timer);
        request.reject(new InspectorError('process-gone', closeReason));
        pending.delete(id);
      }
      for (const listener of closeListeners.splice(0)) listener(closeReason);
      resolve();
    });
  });
  // After open, errors are followed by 'close', which settles everything; the listener keeps an
  // 'error' event from being thrown.
  socket.on('error', (error) => {
    closeReason ||= `the inspector connection failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`;
  });
  socket.on('message', (data: WebSocket.RawData) => {
    let message: { id?: unknown; result?: unknown; error?: { message?: unknown } };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return;
    }
    // The only event asked for: the process is exiting and waits for this session to go.
    if ((message as { method?: unknown }).method === 'NodeRuntime.waitingForDisconnect') {
      closeReason ||= 'the process is exiting (it waits for inspector sessions to disconnect: disconnected)';
      socket.close();
      return;
    }
    // Other events (no id) are not asked for: the Runtime domain is never enabled.
    if (typeof message.id !== 'number') return;
    const request = pending.get(message.id);
    if (request === undefined) return;
    pending.delete(message.id);
    clearTimeout(request.timer);
    if (message.error !== undefined) request.reject(new InspectorError('protocol-error', `the inspector refused the request: ${String(message.error.message ?? JSON.stringify(message.error))}`));
    else request.resolve(typeof message.result === 'object' && message.result !== null ? (message.result as Record<string, unknown>) : {});
  });

  const call = (method: string, params: Record<string, unknown> = {}, timeoutMs = defaultRequestTimeoutMs): Promise<Record<string, unknown>> => {
    if (!method.startsWith('Runtime.')) return Promise.reject(new InspectorError('refused-method', `${method}: this client uses the Runtime domain only`));
    return send(method, params, timeoutMs);
  };

  const send = (method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> => {
    if (state === 'closed' || socket.readyState !== WebSocket.OPEN) return Promise.reject(new InspectorError('process-gone', closeReason || `the inspector connection ${webSocketUrl} is closed`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new InspectorError('timeout', `${method} got no answer within ${timeoutMs} ms (the target's event loop may be blocked)`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ id, method, params }), (error) => {
        if (error === undefined || error === null || !pending.has(id)) return;
        pending.delete(id);
        clearTimeout(timer);
        reject(new InspectorError('process-gone', `could not send ${method}: ${error.message}`));
      });
    });
  };

  return {
    get state() {
      return state;
    },
    call,
    notifyWhenExiting: () => send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }, defaultRequestTimeoutMs),
    async evaluate(expression, timeoutMs) {
      const result = await call('Runtime.evaluate', { expression, returnByValue: true, includeCommandLineAPI: true, silent: true, awaitPromise: false }, timeoutMs);
      const details = result.exceptionDetails as { text?: string; exception?: { description?: string; value?: unknown } } | undefined;
      if (details !== undefined) return { exception: details.exception?.description ?? String(details.exception?.value ?? details.text ?? 'exception') };
      return { value: (result.result as { value?: unknown } | undefined)?.value };
    },
    onClose(listener) {
      if (state === 'closed') listener(closeReason);
      else closeListeners.push(listener);
    },
    async close() {
      if (state === 'closed') return;
      closeReason = 'closed by Bounded';
      socket.close();
      const forced = setTimeout(() => socket.terminate(), 1000);
      await closed;
      clearTimeout(forced);
    },
  };
}
