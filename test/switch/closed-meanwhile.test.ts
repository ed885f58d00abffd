// A customer's message that arrives while their conversation is being closed. On MariaDB the
// storing transaction reads the conversation without a lock, so a close can commit between that
// read and the message's insert: the message must then open the customer's next conversation,
// not join the closed one (where it would reach nobody). SQLite runs a unit whole, so the window
// does not exist there; this suite makes it open on MariaDB every time, with a table lock.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { AnySocket } from '../helpers/sockets.js';
import { FAST_ROUTING_ENV, next, online, routingWorld, waitUntil } from '../queue-machine/routing-world.js';

const SECRET = 'a-signing-secret-of-ours';

(DB_KINDS.includes('mysql') ? describe : describe.skip)('a message arriving while its conversation is closed (mysql)', function () {
  let app: TestApp;
  let crm: http.Server;
  const open: AnySocket[] = [];
  before(async () => {
    app = await startTestApp({ db: 'mysql', env: FAST_ROUTING_ENV });
    crm = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    crm.close();
    await app.stop();
  });

  it('opens the next conversation instead of joining the closed one', async () => {
    const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
    const s0 = await online(app.url, w.agents[0], open);
    const callbackUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/`;
    const ch = await app.api('POST', '/api/v1/channels', { token: w.admin, body: { platform: 'api', name: 'CRM', queueId: w.queueId, config: { secret: SECRET, callbackUrl } } });
    expect(ch.status, JSON.stringify(ch.body)).to.equal(201);
    const write = (id: string) => {
      const body = JSON.stringify({ externalUserId: 'late-writer', externalMessageId: id, text: `message ${id}` });
      return app.api('POST', `/webhooks/${ch.body.id}`, { raw: body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` } });
    };
    const assigned = next(s0, 'conversation:assigned');
    expect((await write('m-1')).status).to.equal(200);
    const first = (await assigned).conversation.id as string;

    // The second message's transaction has read the conversation (open) and waits to insert.
    const db = await mysql.createConnection(app.db.url);
    try {
      await db.query('LOCK TABLES messages WRITE');
      const second = write('m-2');
      await waitUntil(async () => {
        const [rows] = await db.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'INSERT INTO `messages`%'");
        return Number((rows as any)[0].n) > 0;
      }, 5000, 'the message insert waiting for the lock');
      const closed = await app.api('POST', `/api/v1/conversations/${first}/close`, { token: w.supervisor, body: {} });
      expect(closed.status).to.equal(200);
      await db.query('UNLOCK TABLES');
      expect((await second).status).to.equal(200);

      const [rows] = await db.query('SELECT conversation_id AS c FROM messages WHERE external_message_id = ?', ['m-2']);
      const home = (rows as any[]).map((r) => r.c);
      expect(home, 'stored once').to.have.length(1);
      expect(home[0], 'not in the closed conversation').to.not.equal(first);
      const before = await app.api('GET', `/api/v1/conversations/${first}/messages`, { token: w.supervisor });
      expect(before.body.items.map((m: any) => m.text)).to.deep.equal(['message m-1']);
      // The new conversation is routed like any other: the agent, free again, gets it with the message.
      await waitUntil(async () => (await app.api('GET', `/api/v1/conversations/${home[0]}`, { token: w.supervisor })).body.status === 'assigned', 5000, 'the new conversation assigned');
      const now = await app.api('GET', `/api/v1/conversations/${home[0]}/messages`, { token: w.supervisor });
      expect(now.body.items.map((m: any) => m.text)).to.deep.equal(['message m-2']);
    } finally {
      await db.query('UNLOCK TABLES').catch(() => {});
      await db.end();
    }
  });
});
