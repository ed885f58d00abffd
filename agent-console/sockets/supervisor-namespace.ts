// The /supervisor namespace: live queue figures and every conversation change of the tenant.
import type { Namespace, Server, Socket } from 'socket.io';
import type { Context } from '../../shared/context.js';
import type { Principal } from '../../shared/auth/tokens.js';
import { hasRole } from '../../shared/auth/tokens.js';
import { rooms } from '../../shared/types/socket-events.js';
import { queueStats, type QueueMachine } from '../../queue-machine/index.js';
import { tokenAuth } from './agent-namespace.js';

export function mountSupervisorNamespace(ctx: Context, io: Server, qm: QueueMachine): Namespace {
  const nsp = io.of('/supervisor');
  nsp.use(tokenAuth(ctx));
  nsp.use((socket, next) => {
    if (hasRole(socket.data.principal as Principal, 'supervisor')) next();
    else next(Object.assign(new Error('This needs the supervisor role.'), { data: { code: 'forbidden', message: 'This needs the supervisor role.' } }));
  });
  nsp.on('connection', (socket: Socket) => {
    const p = socket.data.principal as Principal;
    void socket.join(rooms.tenantSupervisors(p.tenantId));
    void queueStats(ctx, qm, p.tenantId).then((s) => socket.emit('stats', s)).catch(() => {});
  });
  return nsp;
}
