// Real socket.io clients for tests, and small helpers to wait for events and acknowledgements.
import { io as connect, type Socket } from 'socket.io-client';

export type AnySocket = Socket;

export function agentSocket(url: string, token: string): Promise<Socket> {
  return open(connect(`${url}/agent`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false }));
}

export function customerSocket(url: string, channelId: string, visitorToken?: string): Promise<{ socket: Socket; session: { visitorToken: string; conversationId: string | null } }> {
  const socket = connect(`${url}/customer`, { auth: { channelId, visitorToken }, transports: ['websocket'], forceNew: true, reconnection: false });
  const session = once<{ visitorToken: string; conversationId: string | null }>(socket, 'session');
  return open(socket).then(async (s) => ({ socket: s, session: await session }));
}

function open(socket: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
}

/** The next event of that name (matching the predicate), or a rejection after `ms`. */
export function once<T = any>(socket: Socket, event: string, predicate: (p: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.off(event, handler); reject(new Error(`no "${event}" within ${ms} ms`)); }, ms);
    const handler = (p: T) => {
      if (!predicate(p)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(p);
    };
    socket.on(event, handler);
  });
}

/** Emits with an acknowledgement and resolves with the ack's payload. */
export function emitAck<T = any>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<T>;
}

/** Collects every event of a name, for asserting what did (or did not) arrive. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (p: T) => seen.push(p));
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
