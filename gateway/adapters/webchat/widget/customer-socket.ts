// The /customer socket.io connection, typed with the shared event maps (a renamed event fails to
// compile), and a promise-shaped emit for the events that answer with an acknowledgement.
import { io, type Socket } from 'socket.io-client';
import type { CustomerClientEvents, CustomerServerEvents } from '../../../../shared/types/socket-events.js';

export type CustomerSocket = Socket<CustomerServerEvents, CustomerClientEvents>;

type AckedEvent = { [E in keyof CustomerClientEvents]: Parameters<CustomerClientEvents[E]> extends [unknown, unknown?] ? E : never }[keyof CustomerClientEvents];
type Payload<E extends AckedEvent> = Parameters<CustomerClientEvents[E]>[0];
export type Reply<E extends AckedEvent> = Parameters<NonNullable<Parameters<CustomerClientEvents[E]>[1]>>[0];

/** `getAuth` runs on every (re)connect, so that a reconnect presents the newest visitor token. */
export function connectCustomerSocket(origin: string, getAuth: () => { channelId: string; visitorToken?: string }): CustomerSocket {
  return io(`${origin}/customer`, { auth: (cb) => cb(getAuth()), transports: ['websocket', 'polling'] });
}

/** Emits and resolves with the acknowledgement (`{ok:true,...}` or `{ok:false,error}`); rejects when none comes in time. */
export function ask<E extends AckedEvent>(socket: CustomerSocket, event: E, payload: Payload<E>, timeoutMs: number): Promise<Reply<E>> {
  return new Promise((resolve, reject) => {
    const timed = socket.timeout(timeoutMs);
    const emit = timed.emit as unknown as (this: typeof timed, e: E, p: Payload<E>, cb: (err: Error | null, reply: Reply<E>) => void) => void;
    emit.call(timed, event, payload, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}
