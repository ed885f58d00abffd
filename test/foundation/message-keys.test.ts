// The unique keys of messages, as the migrations leave them on SQLite and MariaDB: an agent's
// client message id is stored once per conversation, while the many messages without one
// (every customer's) never conflict. On SQLite that key is a partial index (migration 0005), so
// that customers' messages do not write to it at all; lookups by client id still use it.
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../shared/db/data-source.js';
import { MessageEntity, type Message } from '../../shared/db/entities/index.js';
import { isUniqueViolation } from '../../shared/db/unique-violation.js';
import { newId } from '../../shared/ids.js';
import { DB_KINDS, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';

const conversationId = newId();
const message = (over: Partial<Message>): Partial<Message> => {
  const now = new Date();
  return {
    id: newId(), tenantId: newId(), conversationId, channelId: newId(), direction: 'in', sender: 'customer', agentId: null,
    type: 'text', text: 'hello', content: null, status: 'received', error: null, externalMessageId: null, clientMessageId: null,
    createdAt: now, updatedAt: now, ...over,
  };
};

for (const kind of DB_KINDS) {
  describe(`message keys (${kind})`, function () {
    let scratch: ScratchDatabase;
    let ds: DataSource;

    before(async () => {
      scratch = await scratchDatabase(kind);
      ds = await openDatabase(scratch.url);
    });
    after(async () => { await ds?.destroy(); await scratch?.drop(); });
    /** SQLite: the statement that made the client id key, as the schema keeps it. */
    const clientKeySql = async (): Promise<string> => (await ds.query(`SELECT sql FROM sqlite_master WHERE name = 'uq_messages_conversation_client'`))[0].sql;

    it('stores many messages without a client id in one conversation', async () => {
      for (let i = 0; i < 3; i++) await ds.manager.insert(MessageEntity, message({ externalMessageId: `ext-${i}` }));
      expect(await ds.manager.countBy(MessageEntity, { conversationId })).to.equal(3);
    });

    it('refuses a second message with the same client id in the same conversation, and nothing of it is stored', async () => {
      await ds.manager.insert(MessageEntity, message({ direction: 'out', sender: 'agent', status: 'pending', clientMessageId: 'c-1' }));
      const err = await ds.manager.insert(MessageEntity, message({ direction: 'out', sender: 'agent', status: 'pending', clientMessageId: 'c-1', text: 'again' }))
        .then(() => null, (e: unknown) => e);
      expect(isUniqueViolation(err), String(err)).to.equal(true);
      expect(await ds.manager.findBy(MessageEntity, { conversationId, clientMessageId: 'c-1' })).to.have.length(1);
      // The same client id in another conversation is another message.
      await ds.manager.insert(MessageEntity, message({ conversationId: newId(), direction: 'out', sender: 'agent', status: 'pending', clientMessageId: 'c-1' }));
    });

    if (kind === 'sqlite') {
      it('keeps the client id key partial, and the lookup by client id uses it', async () => {
        expect(await clientKeySql()).to.match(/UNIQUE INDEX/).and.to.match(/WHERE client_message_id IS NOT NULL/);
        const plan: { detail: string }[] = await ds.query('EXPLAIN QUERY PLAN SELECT * FROM messages WHERE conversation_id = ? AND client_message_id = ? LIMIT 1', [conversationId, 'c-1']);
        expect(plan.map((p) => p.detail).join('\n')).to.contain('USING INDEX uq_messages_conversation_client');
      });
    }

    it('undoes the partial key and does it again (migration 0005 down and up)', async () => {
      await ds.undoLastMigration({ transaction: 'each' });
      await ds.runMigrations({ transaction: 'each' });
      const err = await ds.manager.insert(MessageEntity, message({ direction: 'out', sender: 'agent', status: 'pending', clientMessageId: 'c-1' }))
        .then(() => null, (e: unknown) => e);
      expect(isUniqueViolation(err), String(err)).to.equal(true);
      if (kind === 'sqlite') {
        expect(await clientKeySql()).to.match(/WHERE client_message_id IS NOT NULL/);
      }
    });
  });
}
