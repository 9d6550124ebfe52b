// The webview's side of the protocol's requests: sends one with a fresh id and settles when the
// host's response with that id arrives (checked by the request's guard), or after a timeout.
import type { IpcMessage, IpcRequest } from '../src/shared/panelProtocol';

const requestTimeoutMs = 15_000;

export class HostRequests {
  private nextId = 1;
  private readonly pending = new Map<number, (message: unknown) => boolean>();

  constructor(private readonly postMessage: (message: IpcMessage<unknown>) => void) {}

  send<P, R>(type: IpcRequest<P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${type.method}`));
      }, requestTimeoutMs);
      this.pending.set(id, (message) => {
        if (!type.isResponse(message) || message.id !== id) return false;
        clearTimeout(timer);
        resolve(message.params);
        return true;
      });
      this.postMessage(type.message(params, id));
    });
  }

  /** Settles the request a message answers; false when it answers none. */
  settle(message: unknown): boolean {
    for (const [id, settle] of this.pending) {
      if (settle(message)) {
        this.pending.delete(id);
        return true;
      }
    }
    return false;
  }
}
