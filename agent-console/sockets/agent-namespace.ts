// The /agent socket namespace: an agent's live console. Authenticated in the handshake with the
// bearer token; each socket joins its agent's room, where the switch emits from any process.
// Presence feeds routing: the last socket leaving starts a grace period, a socket coming back ends it.
import type { Namespace, Server, Socket } from 'socket.io';
import type { Context } from '../../shared/context.js';
import type { Principal } from '../../shared/auth/tokens.js';
import { ConversationEntity } from '../../shared/db/entities/index.js';
import { AppError } from '../../shared/errors.js';
import { guarded } from '../../shared/realtime/socket-guard.js';
import { rooms, type AgentClientEvents, type AgentServerEvents } from '../../shared/types/socket-events.js';
import * as sw from '../../switch/index.js';
import type { QueueMachine } from '../../queue-machine/index.js';
import { acceptSchema, closeSchema, sendMessageSchema, statusSchema, syncSchema, transferSchema, typingSchema } from '../api/schemas.js';
import { declineSchema, pickSchema } from '../api/routing-schemas.js';

type AgentSocket = Socket<AgentClientEvents, AgentServerEvents, Record<string, never>, { principal: Principal }>;

/** Socket.io middleware: the handshake's `auth.token` must be a valid bearer token. */
export function tokenAuth(ctx: Context) {
  return (socket: Socket, next: (err?: Error) => void) => {
    try {
      socket.data.principal = ctx.tokens.verify((socket.handshake.auth as { token?: string } | undefined)?.token);
      next();
    } catch (err) {
      const e = err as AppError;
      next(Object.assign(new Error(e.message), { data: { code: e.code, message: e.message } }));
    }
  };
}

export function mountAgentNamespace(ctx: Context, io: Server, qm: QueueMachine): Namespace {
  const nsp = io.of('/agent') as unknown as Namespace<AgentClientEvents, AgentServerEvents, Record<string, never>, { principal: Principal }>;
  nsp.use(tokenAuth(ctx) as never);
  const maxChars = ctx.config.limits.messageChars;

  nsp.on('connection', (socket: AgentSocket) => {
    const p = socket.data.principal;
    void socket.join(rooms.agent(p.userId));
    const log = ctx.logger.child({ tenantId: p.tenantId, agentId: p.userId });
    void qm.agentConnected(p.tenantId, p.userId).catch((err) => log.warn({ err: (err as Error).message }, 'could not end the disconnect grace period'));

    socket.on('agent:status', guarded(log, 'agent:status', statusSchema, async ({ status }) => {
      await qm.setAgentStatus(p.tenantId, p.userId, status);
      return { status };
    }));
    socket.on('message:send', guarded(log, 'message:send', sendMessageSchema(maxChars), async (input) => ({ message: await sw.sendAgentMessage(ctx, p, input) })));
    socket.on('conversation:accept', guarded(log, 'conversation:accept', acceptSchema, async ({ conversationId }) => ({ conversation: await sw.acceptConversation(ctx, qm, p, conversationId) })));
    socket.on('conversation:decline', guarded(log, 'conversation:decline', declineSchema, async ({ conversationId }) => { await sw.declineConversation(ctx, qm, p, conversationId); return {}; }));
    socket.on('conversation:pick', guarded(log, 'conversation:pick', pickSchema, async (input) => ({ conversation: await sw.pickConversation(ctx, qm, p, input) })));
    socket.on('conversation:transfer', guarded(log, 'conversation:transfer', transferSchema, async (input) => ({ conversation: await sw.transferConversation(ctx, qm, p, input) })));
    socket.on('conversation:close', guarded(log, 'conversation:close', closeSchema, async (input) => ({ conversation: await sw.closeConversation(ctx, qm, p, input.conversationId, input.disposition) })));
    socket.on('sync', guarded(log, 'sync', syncSchema, async (input) => sw.syncAgent(ctx, p, input.afterMessageId)));
    socket.on('typing', guarded(log, 'typing', typingSchema, async ({ conversationId }) => {
      const c = await ctx.db.manager.findOneBy(ConversationEntity, { id: conversationId, tenantId: p.tenantId, agentId: p.userId });
      if (c) ctx.broadcaster.toCustomer(c.customerId, 'typing');
      return {};
    }));

    socket.on('disconnect', () => {
      // Once the agent's last socket (on any process) is gone: no new work, and after the grace
      // period (a durable timer, cancelled if they reconnect) offline, their conversations requeued.
      void nsp.in(rooms.agent(p.userId)).fetchSockets()
        .then(async (left) => {
          if (left.length) return;
          await qm.agentDisconnected(p.tenantId, p.userId, ctx.config.routing.disconnectGraceMs);
          // A socket that connected while we checked must not leave them marked as gone.
          if ((await nsp.in(rooms.agent(p.userId)).fetchSockets()).length) await qm.agentConnected(p.tenantId, p.userId);
        })
        .catch((err) => log.warn({ err: (err as Error).message }, 'could not check remaining sockets'));
    });
  });
  return nsp;
}
