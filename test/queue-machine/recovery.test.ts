// A process that claims an agent for a conversation and dies before queueing the job that records
// it leaves only a pending entry in Redis. The running deployment finds it on its periodic check
// and records it: the agent gets the conversation, nothing waits for a restart.
import { expect } from 'chai';
import { DB_KINDS } from '../helpers/databases.js';
import { agentSocket, type AnySocket } from '../helpers/sockets.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ConversationEntity } from '../../shared/db/entities/index.js';
import { QueueMachine } from '../../queue-machine/queue-machine.js';
import type { QueueHooks } from '../../queue-machine/types.js';
import { customerWrites, FAST_ROUTING_ENV, next, routingWorld, waitUntil } from './routing-world.js';

/** A queue machine whose process dies right after its Redis scripts ran: nothing it decides is handed on. */
const diesAfterClaiming: QueueHooks = { assign: async () => {}, routed: async () => {}, schedule: async () => {}, cancel: async () => {}, changed: () => {} };

for (const db of DB_KINDS) {
  describe(`routing recovery while running (${db})`, function () {
    this.timeout(30_000);
    let app: TestApp;
    const open: AnySocket[] = [];
    before(async () => { app = await startTestApp({ db, env: { ...FAST_ROUTING_ENV, ROUTING_RECOVERY_SECONDS: '0.5' } }); });
    after(async () => { open.splice(0).forEach((s) => s.close()); await app.stop(); });

    it('records an assignment whose process died before handing it on', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const agent = await agentSocket(app.url, w.agents[0].token); // connected, not yet online
      open.push(agent);
      const waiting = await customerWrites(app.url, w.channelId, open, 'is anyone there?');
      const conv = await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: waiting.conversationId });
      expect(conv.status).to.equal('queued');

      const assigned = next(agent, 'conversation:assigned', undefined, 10_000);
      const dying = new QueueMachine(app.ctx.redis, app.ctx.config.redisPrefix, diesAfterClaiming);
      await waitUntil(async () => (await dying.position(conv.tenantId, w.queueId, conv.id)) === 1, 5000, 'the conversation waiting in Redis');
      const made = await dying.setAgentStatus(conv.tenantId, w.agents[0].id, 'online');
      expect(made.map((a) => a.conversationId)).to.deep.equal([conv.id]);
      expect(await dying.isPending(made[0])).to.equal(true);

      const p = await assigned;
      expect(p.conversation.id).to.equal(conv.id);
      expect(p.messages.map((m: any) => m.text)).to.deep.equal(['is anyone there?']);
      const after = await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: conv.id });
      expect(after).to.include({ status: 'assigned', agentId: w.agents[0].id });
      expect(await dying.isPending(made[0])).to.equal(false);
    });
  });
}
