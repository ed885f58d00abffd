// socket.io across processes through real Redis: a broadcast reaches the room's sockets on every
// server once, and a server drops the copy of its own broadcast that Redis hands back to it
// without decoding it (shared/realtime/skip-own-echo.ts). Broadcasts made in one turn of the event
// loop travel together (shared/realtime/batched-broadcasts.ts).
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { decode, encode } from 'notepack.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createSocketServer } from '../../shared/realtime/socket-server.js';
import { OwnEchoParser } from '../../shared/realtime/skip-own-echo.js';
import { collect, sleep } from '../helpers/sockets.js';
import { waitUntil } from '../helpers/wait.js';

interface Node { http: http.Server; url: string; server: Awaited<ReturnType<typeof createSocketServer>> }

describe('socket.io fan-out through Redis', function () {
  const key = `test-sio-${randomUUID()}`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const nodes: Node[] = [];
  const clients: Socket[] = [];

  async function node(): Promise<Node> {
    const server = http.createServer();
    const sio = await createSocketServer(server, redis, key);
    sio.io.on('connection', (s) => { void s.join(String(s.handshake.auth.room)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const n = { http: server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server: sio };
    nodes.push(n);
    return n;
  }

  function client(n: Node, room: string): Promise<Socket> {
    const s = connect(n.url, { auth: { room }, transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(s);
    return new Promise((resolve, reject) => { s.once('connect', () => resolve(s)); s.once('connect_error', reject); });
  }

  before(async () => { await redis.connect(); });
  after(async () => {
    clients.forEach((c) => c.close());
    for (const n of nodes) { await n.server.close(); n.http.close(); }
    redis.disconnect();
  });

  it('delivers a broadcast once to the room on every server, and recognises its own copy from Redis by its first bytes', async () => {
    const [a, b] = [await node(), await node()];
    const onA = collect(await client(a, 'r1'), 'news');
    const onB = collect(await client(b, 'r1'), 'news');
    const elsewhere = collect(await client(b, 'r2'), 'news');
    // What A publishes, as Redis hands it to every subscriber (A included).
    const listener = redis.duplicate();
    const published: Buffer[] = [];
    listener.on('pmessageBuffer', (_p: unknown, _c: unknown, msg: Buffer) => published.push(msg));
    await listener.psubscribe(`${key}#/#*`);
    try {
      a.server.io.to('r1').emit('news', { n: 1 });
      b.server.io.to('r1').emit('news', { n: 2 });
      await waitUntil(() => onA.length === 2 && onB.length === 2 && published.length === 2);
      await sleep(100); // an echo delivered twice would arrive by now
      expect(onA.map((m) => m.n).sort()).to.deep.equal([1, 2]);
      expect(onB.map((m) => m.n).sort()).to.deep.equal([1, 2]);
      expect(elsewhere).to.deep.equal([]);

      const fromA = published.find((m) => (decode(m) as any[])[1].data[1].n === 1)!;
      const aUid = (decode(fromA) as any[])[0] as string;
      const own = new OwnEchoParser();
      own.own(aUid);
      expect(own.decode(fromA), 'its own copy: only the id').to.deep.equal([aUid]);
      const other = new OwnEchoParser();
      other.own('zzzzzz');
      expect(other.decode(fromA), "another server's copy: decoded whole").to.deep.equal(decode(fromA));
    } finally {
      listener.disconnect();
    }
  });

  it('publishes the broadcasts of one turn as one message, which every server delivers once each, in order', async () => {
    const [a, b] = [await node(), await node()];
    const onA = collect(await client(a, 'b1'), 'news');
    const onB1 = collect(await client(b, 'b1'), 'news');
    const onB2 = collect(await client(b, 'b2'), 'news');
    const listener = redis.duplicate();
    const published: { channel: string; msg: Buffer }[] = [];
    listener.on('pmessageBuffer', (_p: unknown, channel: Buffer, msg: Buffer) => published.push({ channel: String(channel), msg }));
    await listener.psubscribe(`${key}#/#*`);
    try {
      // One turn of A's event loop: rooms with sockets on both servers, on B only, on neither, and two rooms at once.
      a.server.io.to('b1').emit('news', { n: 1 });
      a.server.io.to('b2').emit('news', { n: 2 });
      a.server.io.to('nobody').emit('news', { n: 3 });
      a.server.io.to('b1').emit('news', { n: 4 });
      a.server.io.to(['b1', 'b2']).emit('news', { n: 5 });
      await waitUntil(() => onB1.length === 3 && onB2.length === 2 && onA.length === 3);
      await sleep(100); // a copy delivered twice would arrive by now
      expect(onA.map((m) => m.n), 'A, its own sockets').to.deep.equal([1, 4, 5]);
      expect(onB1.map((m) => m.n), 'B, in the order A made them').to.deep.equal([1, 4, 5]);
      expect(onB2.map((m) => m.n)).to.deep.equal([2, 5]);
      expect(published.map((m) => m.channel), 'one message for the five').to.deep.equal([`${key}#/##batch#`]);
      const [uid, kind, items] = decode(published[0].msg) as [string, string, (string | Buffer)[]];
      expect(kind).to.equal('batch');
      // Each broadcast in it is what the adapter alone would publish on the room's channel.
      expect(items.filter((_, i) => i % 2 === 0)).to.deep.equal(['b1#', 'b2#', 'nobody#', 'b1#', '']);
      const [first] = items.filter((_, i) => i % 2 === 1).map((m) => decode(m as Buffer) as any[]);
      expect(first[0]).to.equal(uid);
      expect(first[1].data).to.deep.equal(['news', { n: 1 }]);
      expect(first[2].rooms).to.deep.equal(['b1']);

      // A turn with one broadcast publishes it as the adapter does, on the room's channel.
      published.length = 0;
      a.server.io.to('b2').emit('news', { n: 6 });
      await waitUntil(() => onB2.length === 3 && published.length === 1);
      expect(published[0].channel).to.equal(`${key}#/#b2#`);
      expect((decode(published[0].msg) as any[])[1].data).to.deep.equal(['news', { n: 6 }]);
    } finally {
      listener.disconnect();
    }
  });

  it('ignores a batch it cannot read, and goes on delivering', async () => {
    const [a, b] = [await node(), await node()];
    const onB = collect(await client(b, 'c1'), 'news');
    for (const junk of [Buffer.from('not msgpack at all'), encode(['someone', 'batch', 'not a list']), encode(['someone', 'batch', ['c1#', 'not bytes']])]) {
      await redis.publish(`${key}#/##batch#`, junk);
    }
    a.server.io.to('c1').emit('news', { n: 1 });
    a.server.io.to('c1').emit('news', { n: 2 });
    await waitUntil(() => onB.length === 2);
    expect(onB.map((m) => m.n)).to.deep.equal([1, 2]);
  });

  it('decodes anything that is not its own broadcast as MessagePack, short or long', () => {
    const p = new OwnEchoParser();
    p.own('abcdef');
    for (const v of [[], ['abcdef'], ['abcdeg', { type: 2 }, {}], { uid: 'abcdef', type: 0 }, 'abcdef', 42]) {
      expect(p.decode(p.encode(v))).to.deep.equal(v);
    }
  });
});
