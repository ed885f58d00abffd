// The /agent socket.io connection, typed with the shared event maps (a renamed event fails to
// compile), and a promise-shaped call for events that answer with an acknowledgement.
import { io, type Socket } from 'socket.io-client';
import type { AgentClientEvents, AgentServerEvents } from '../../../shared/types/socket-events.js';
import type { ErrorBody } from '../../../shared/types/api.js';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;

type Payload<E extends keyof AgentClientEvents> = Parameters<AgentClientEvents[E]>[0];
type Reply<E extends keyof AgentClientEvents> = Parameters<NonNullable<Parameters<AgentClientEvents[E]>[1]>>[0];
export type OkReply<E extends keyof AgentClientEvents> = Extract<Reply<E>, { ok: true }>;

export class SocketCallError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export function connectAgentSocket(token: string): AgentSocket {
  // WebSocket first: behind several server processes, long-polling would need sticky sessions.
  return io('/agent', { auth: { token }, transports: ['websocket', 'polling'] });
}

/** Emits an event and resolves with its `{ok:true}` acknowledgement; rejects on `{ok:false}` or no answer in time. */
export function call<E extends keyof AgentClientEvents>(socket: AgentSocket, event: E, payload: Payload<E>, timeoutMs = 10_000): Promise<OkReply<E>> {
  return new Promise((resolve, reject) => {
    const timed = socket.timeout(timeoutMs);
    const emit = timed.emit as unknown as (this: typeof timed, e: E, p: Payload<E>, cb: (err: Error | null, reply: Reply<E>) => void) => void;
    emit.call(timed, event, payload, (err, reply) => {
      if (err) reject(new SocketCallError('timeout', 'The server did not answer in time. Check your connection.'));
      else if (reply.ok) resolve(reply as OkReply<E>);
      else reject(new SocketCallError((reply.error as ErrorBody).code, (reply.error as ErrorBody).message));
    });
  });
}

/** The server's code for a refused handshake (for example an expired token). */
export function handshakeErrorCode(err: Error): string | undefined {
  return (err as Error & { data?: { code?: string } }).data?.code;
}
