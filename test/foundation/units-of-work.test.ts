// Units of work (shared/db/work.ts) on a real SQLite file and a real MariaDB: what they store, what
// a failing unit leaves behind (nothing), and the groups that let webhooks arriving together share
// one transaction: on SQLite without ever joining someone else's, on MySQL in rounds of one query.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { DataSource, EntitySchema } from 'typeorm';
import { openDatabase } from '../../shared/db/data-source.js';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { Rows } from '../../shared/db/rows.js';
import { GroupCommit } from '../../shared/db/group-commit.js';
import {
  ChannelEntity, ConversationEntity, CustomerEntity, MessageEntity, TenantEntity, UserEntity, type Channel, type Message, type Tenant, type User,
} from '../../shared/db/entities/index.js';
import { isUniqueViolation } from '../../shared/db/unique-violation.js';
import { findOne, findOneWith, insert, update, type Work } from '../../shared/db/work.js';
import { newId } from '../../shared/ids.js';
import { DB_KINDS, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';

const tenant = (slug: string): Tenant => ({ id: newId(), slug, name: `Tenant ${slug}`, createdAt: new Date() });

function* addTenant(slug: string): Work<Tenant> {
  const t = tenant(slug);
  yield* insert(TenantEntity, t);
  return t;
}

for (const kind of DB_KINDS) {
  describe(`units of work (${kind})`, function () {
    let scratch: ScratchDatabase;
    let ds: DataSource;
    let rows: Rows;
    const slugs = async (prefix: string) => (await ds.manager.find(TenantEntity)).map((t) => t.slug).filter((s) => s.startsWith(prefix)).sort();

    before(async () => {
      scratch = await scratchDatabase(kind);
      ds = await openDatabase(scratch.url);
      rows = new Rows(ds);
    });
    after(async () => { await rows?.close(); await ds?.destroy(); await scratch?.drop(); });

    it('stores what a unit writes and returns what it computed', async () => {
      const t = await rows.run(() => addTenant('uw-one'));
      const back = await rows.run(function* () { return yield* findOne(TenantEntity, { slug: 'uw-one' }); });
      expect(back).to.deep.include({ id: t.id, slug: 'uw-one', name: 'Tenant uw-one' });
      expect(back!.createdAt).to.be.instanceOf(Date);
    });

    it('reads rows exactly as TypeORM reads them: times, JSON, NULLs, numbers, alone and joined', async () => {
      const t = await rows.run(() => addTenant('uw-read'));
      const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 9, 30, 15) + ms);
      const channel = { id: newId(), tenantId: t.id, platform: 'telegram', name: 'Read', queueId: null, settings: { a: [1, 'two'] }, secrets: 'x', createdAt: at(1), deletedAt: null } as const;
      await ds.manager.insert(ChannelEntity, channel);
      const customer = {
        id: newId(), tenantId: t.id, channelId: channel.id, externalUserId: 'u1', displayName: 'Zoë', locale: null, avatarUrl: null,
        visitorTokenHash: null, openConversationId: null, createdAt: at(2),
      };
      await ds.manager.insert(CustomerEntity, customer);
      const conversation = {
        id: newId(), tenantId: t.id, channelId: channel.id, customerId: customer.id, status: 'assigned', queueId: null, agentId: null, priority: 3,
        createdAt: at(3), updatedAt: at(999), closedAt: null, disposition: null, lastMessageAt: at(4), queuedAt: null, assignedAt: at(5),
      } as const;
      await ds.manager.insert(ConversationEntity, conversation);
      await ds.manager.update(CustomerEntity, { id: customer.id }, { openConversationId: conversation.id });
      const message = {
        id: newId(), tenantId: t.id, conversationId: conversation.id, channelId: channel.id, direction: 'in', sender: 'customer', agentId: null,
        type: 'image', text: null, content: { media: [{ platformRef: 'f1', size: 12 }] }, status: 'received', error: null,
        externalMessageId: 'm1', clientMessageId: null, createdAt: at(6), updatedAt: at(7),
      } satisfies Omit<Message, 'seq'>;
      await ds.manager.insert(MessageEntity, message);

      const typeorm = {
        message: await ds.manager.findOneByOrFail(MessageEntity, { id: message.id }),
        customer: await ds.manager.findOneByOrFail(CustomerEntity, { id: customer.id }),
        conversation: await ds.manager.findOneByOrFail(ConversationEntity, { id: conversation.id }),
        channel: await ds.manager.findOneByOrFail(ChannelEntity, { id: channel.id }),
      };
      expect(typeorm.conversation.updatedAt.getTime(), 'milliseconds kept').to.equal(at(999).getTime());
      expect(await rows.findOne(MessageEntity, { id: message.id })).to.deep.equal(typeorm.message);
      expect(await rows.findOne(ChannelEntity, { id: channel.id })).to.deep.equal(typeorm.channel);
      const joined = await rows.findOneWith(CustomerEntity, { channelId: channel.id, externalUserId: 'u1' }, { openConversationId: ConversationEntity });
      expect(joined).to.deep.equal({ row: typeorm.customer, with: { openConversationId: typeorm.conversation } });
      // Inside a unit too, and a key pointing at nothing joins null.
      await ds.manager.update(CustomerEntity, { id: customer.id }, { openConversationId: null });
      const inUnit = await rows.run(function* () {
        return yield* findOneWith(CustomerEntity, { channelId: channel.id, externalUserId: 'u1' }, { openConversationId: ConversationEntity });
      });
      expect(inUnit).to.deep.equal({ row: { ...typeorm.customer, openConversationId: null }, with: { openConversationId: null } });
    });

    it('writes rows exactly as TypeORM writes them: times to the millisecond, early and late years, JSON, NULLs', async () => {
      const times = [new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 7)), new Date(Date.UTC(999, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(9999, 0, 1))];
      const stored = async (table: string, id: string) => (await ds.query(`SELECT * FROM ${table} WHERE id = ?`, [id]))[0];
      for (const [i, at] of times.entries()) {
        const base = { slug: `uw-write-${i}`, name: 'Ø', createdAt: at };
        const byTypeorm = { ...base, id: newId() };
        const byRows = { ...base, id: newId(), slug: `uw-write-rows-${i}` };
        await ds.manager.insert(TenantEntity, byTypeorm);
        await rows.run(function* () { yield* insert(TenantEntity, byRows); });
        const [a, b] = [await stored('tenants', byTypeorm.id), await stored('tenants', byRows.id)];
        expect({ ...b, id: a.id, slug: a.slug }, at.toISOString()).to.deep.equal(a);
        await rows.update(TenantEntity, { id: byRows.id }, { createdAt: new Date(at.getTime() + 1) });
        expect((await ds.manager.findOneByOrFail(TenantEntity, { id: byRows.id })).createdAt.getTime()).to.equal(at.getTime() + 1);
        // JSON, and NULLs in plain and time columns.
        const channel: Omit<Channel, 'id'> = { tenantId: byTypeorm.id, platform: 'telegram', name: 'Write', queueId: null, settings: { a: [1, 'two'], b: null }, secrets: 'x', createdAt: at, deletedAt: null };
        const channels = [{ ...channel, id: newId() }, { ...channel, id: newId() }];
        await ds.manager.insert(ChannelEntity, channels[0]);
        await rows.run(function* () { yield* insert(ChannelEntity, channels[1]); });
        const [c, d] = [await stored('channels', channels[0].id), await stored('channels', channels[1].id)];
        expect({ ...d, id: c.id }, `channel at ${at.toISOString()}`).to.deep.equal(c);
      }
    });

    it('leaves nothing of a unit that fails, and the others of its group are stored', async () => {
      const results = await Promise.allSettled([
        rows.run(() => addTenant('uw-fail-a')),
        rows.run(function* () {
          yield* addTenant('uw-fail-b');
          throw new Error('the unit changed its mind');
        }),
        rows.run(() => addTenant('uw-fail-c')),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason.message).to.equal('the unit changed its mind');
      expect(await slugs('uw-fail-')).to.deep.equal(['uw-fail-a', 'uw-fail-c']);
    });

    it('runs the good units of a group with failures at most twice, and stores each once', async () => {
      const runs = new Map<string, number>();
      const counted = (slug: string, fail: boolean) => rows.run(function* () {
        runs.set(slug, (runs.get(slug) ?? 0) + 1);
        const t = yield* addTenant(slug);
        if (fail) throw new Error(`${slug} fails`);
        return t;
      });
      const all = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => counted(`uw-twice-${String(i).padStart(2, '0')}`, i % 7 === 3)));
      expect(all.filter((r) => r.status === 'rejected')).to.have.length(3);
      expect(Math.max(...runs.values())).to.be.at.most(2);
      expect(await slugs('uw-twice-')).to.deep.equal(Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 7 !== 3).map((i) => `uw-twice-${String(i).padStart(2, '0')}`));
    });

    it('throws a unique violation back into the unit, which can read the winner instead', async () => {
      const first = await rows.run(() => addTenant('uw-dup'));
      const got = await rows.run(function* () {
        try {
          return yield* addTenant('uw-dup');
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          return (yield* findOne(TenantEntity, { slug: 'uw-dup' }))!;
        }
      });
      expect(got.id).to.equal(first.id);
    });

    if (kind === 'mysql') {
      it('reads inside a unit see what others committed after its first read (READ COMMITTED), on every pooled connection', async () => {
        // Several units at once, each in a turn of its own (a group of its own), so that more than one pooled connection is used.
        const seen = await Promise.all(Array.from({ length: 4 }, async (_, n) => { await new Promise((r) => setTimeout(r, n)); return rows.run(function* () {
          const slug = `uw-rc-${n}`;
          const before = yield* findOne(TenantEntity, { slug }); // under REPEATABLE READ this read fixes the snapshot
          void ds.manager.insert(TenantEntity, tenant(slug));    // another connection commits meanwhile
          for (let i = 0; i < 2000; i++) {
            const now = yield* findOne(TenantEntity, { slug });
            if (now) return { before, now: now.slug };
          }
          return { before, now: null };
        }); }));
        expect(seen).to.deep.equal([0, 1, 2, 3].map((n) => ({ before: null, now: `uw-rc-${n}` })));
      });
    }

    it('compares and sets: a null in the condition matches NULL, and the count says who won', async () => {
      const t = await rows.run(() => addTenant('uw-cas'));
      const claim = (name: string) => rows.run(() => update(TenantEntity, { id: t.id, name: 'Tenant uw-cas' }, { name }));
      expect(await claim('first')).to.equal(1);
      expect(await claim('second')).to.equal(0);
      expect(await rows.run(() => findOne(TenantEntity, { id: t.id, createdAt: null as unknown as Date }))).to.equal(null);
    });

    it('finds the first row by an order when several match', async () => {
      const day = (d: number) => ({ ...tenant(`uw-order-by-${d}`), name: 'same name', createdAt: new Date(Date.UTC(2026, 0, d)) });
      await rows.run(function* () { for (const d of [5, 2, 9]) yield* insert(TenantEntity, day(d)); });
      const first = (dir: 'ASC' | 'DESC') => rows.run(() => findOne(TenantEntity, { name: 'same name' }, { createdAt: dir }));
      expect((await first('ASC'))!.slug).to.equal('uw-order-by-2');
      expect((await first('DESC'))!.slug).to.equal('uw-order-by-9');
    });

    it('reads a row with the rows its keys point at in one query, each as findOne would read it, in a unit too; a missing one is null', async () => {
      const t = await rows.run(() => addTenant('uw-with'));
      const user: User = {
        id: newId(), tenantId: t.id, name: 'Ana', email: 'ana@uw-with.test', passwordHash: 'x', role: 'agent', skills: ['billing'],
        capacity: 3, createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), disabledAt: null, skillLevels: { billing: 7 }, capacities: null,
      };
      await rows.insert(UserEntity, user);
      const found = await rows.findOneWith(UserEntity, { id: user.id }, { tenantId: TenantEntity });
      expect(found!.row).to.deep.equal(await rows.findOne(UserEntity, { id: user.id }));
      expect(found!.row).to.deep.include({ name: 'Ana', skills: ['billing'], skillLevels: { billing: 7 }, disabledAt: null });
      expect(found!.row.createdAt.toISOString()).to.equal('2026-01-02T03:04:05.678Z');
      expect(found!.with.tenantId).to.deep.equal(await rows.findOne(TenantEntity, { id: t.id }));
      expect(await rows.findOneWith(UserEntity, { id: newId() }, { tenantId: TenantEntity })).to.equal(null);
      const orphan = { ...user, id: newId(), email: 'orphan@uw-with.test', tenantId: newId() };
      await rows.insert(UserEntity, orphan); // a tenant id no tenant has (the schema declares no foreign keys)
      const alone = await rows.findOneWith(UserEntity, { id: orphan.id }, { tenantId: TenantEntity });
      expect(alone!.row.email).to.equal('orphan@uw-with.test');
      expect(alone!.with.tenantId).to.equal(null);
      const inUnit = await rows.run(function* () { return yield* findOneWith(UserEntity, { id: user.id }, { tenantId: TenantEntity }); });
      expect(inUnit).to.deep.equal(found);
    });

    it('runs units in the order given, each seeing the ones before it', async () => {
      const seen = await rows.runInOrder([
        function* () { yield* addTenant('uw-order-1'); return 'added'; },
        function* () { return (yield* findOne(TenantEntity, { slug: 'uw-order-1' })) ? 'saw it' : 'missed it'; },
      ]);
      expect(seen).to.deep.equal(['added', 'saw it']);
    });

    if (kind === 'mysql') {
      /** A TypeORM query that fails rather than waits when a lock it needs is held. */
      const withoutWaiting = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('waited for a lock: a transaction was left open')), 3000))]);
      /** A new tenant whose row a transaction of TypeORM's holds (FOR UPDATE) until `free` is called, so that units writing it wait. */
      const lockedTenant = async (slug: string) => {
        const t = tenant(slug);
        await rows.insert(TenantEntity, t);
        const holder = ds.createQueryRunner();
        await holder.connect();
        await holder.startTransaction();
        await holder.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [t.id]);
        return { t, free: async () => { await holder.rollbackTransaction(); await holder.release(); } };
      };

      it('commits each unit before it resolves: what it wrote is seen from TypeORM\'s own connections', async () => {
        await rows.run(() => addTenant('uw-seen'));
        expect(await slugs('uw-seen')).to.deep.equal(['uw-seen']);
        // Many at once (in groups): each committed, none left open.
        await Promise.all(Array.from({ length: 30 }, (_, i) => rows.run(() => addTenant(`uw-many-${String(i).padStart(2, '0')}`))));
        expect(await slugs('uw-many-')).to.have.length(30);
        await withoutWaiting(ds.query('UPDATE tenants SET name = ? WHERE slug LIKE ?', ['renamed', 'uw-many-%']));
      });

      it('runs units that arrive together as one transaction, in rounds of one query, each unit getting its own results', async () => {
        const before = { ...rows.mysqlGroups! };
        // Units of different lengths: one statement, three, and five with a read of what they wrote.
        const short = (i: number) => rows.run(() => addTenant(`uw-round-s${i}`));
        const long = (i: number) => rows.run(function* () {
          const t = yield* addTenant(`uw-round-l${i}`);
          yield* update(TenantEntity, { id: t.id }, { name: `renamed ${i}` });
          const back = yield* findOne(TenantEntity, { id: t.id });
          const other = yield* findOne(TenantEntity, { slug: `uw-round-s${i}` }); // written by another unit of the group, in an earlier round
          return { slug: back!.slug, name: back!.name, other: other?.slug ?? null };
        });
        const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? long(i - 1) : short(i))));
        const after = rows.mysqlGroups!;
        expect(after.units - before.units).to.equal(20);
        expect(after.groups - before.groups).to.equal(1);
        expect(after.groupsRunAgain - before.groupsRunAgain).to.equal(0);
        for (let i = 1; i < 20; i += 2) expect(got[i]).to.deep.equal({ slug: `uw-round-l${i - 1}`, name: `renamed ${i - 1}`, other: `uw-round-s${i - 1}` });
        expect(await slugs('uw-round-')).to.have.length(20);
      });

      it('runs a group again unit by unit when its query fails: the redelivery gets its unique violation, the others are stored once', async () => {
        const first = await rows.run(() => addTenant('uw-regroup-dup'));
        const before = { ...rows.mysqlGroups! };
        const runs = new Map<string, number>();
        const unit = (slug: string) => rows.run(function* () {
          runs.set(slug, (runs.get(slug) ?? 0) + 1);
          try {
            return (yield* addTenant(slug)).id;
          } catch (err) {
            if (!isUniqueViolation(err)) throw err;
            return `winner ${(yield* findOne(TenantEntity, { slug }))!.id}`;
          }
        });
        const slugsGiven = Array.from({ length: 10 }, (_, i) => (i === 4 ? 'uw-regroup-dup' : `uw-regroup-${i}`));
        const got = await Promise.all(slugsGiven.map(unit));
        expect(got[4]).to.equal(`winner ${first.id}`);
        expect(rows.mysqlGroups!.groupsRunAgain - before.groupsRunAgain).to.equal(1);
        expect(Math.max(...runs.values())).to.equal(2);
        expect(await slugs('uw-regroup-')).to.deep.equal([...slugsGiven].sort());
      });

      it('runs a group again unit by unit when it deadlocks with another group, and both end stored', async function () {
        this.timeout(30_000);
        const [x, y] = [await rows.run(() => addTenant('uw-lock-x')), await rows.run(() => addTenant('uw-lock-y'))];
        const before = { ...rows.mysqlGroups! };
        // Each group: a unit that locks one row, reads a while (so that the other group takes its
        // first lock meanwhile), then wants the other row; and a bystander beside it.
        const crossing = (first: Tenant, second: Tenant, name: string) => rows.run(function* () {
          yield* update(TenantEntity, { id: first.id }, { name });
          for (let i = 0; i < 20; i++) yield* findOne(TenantEntity, { id: first.id });
          yield* update(TenantEntity, { id: second.id }, { name });
          return name;
        });
        const one = [crossing(x, y, 'one'), rows.run(() => addTenant('uw-lock-by-1'))];
        await new Promise((r) => setImmediate(r)); // the next turn: a group of its own, while the first runs
        const two = [crossing(y, x, 'two'), rows.run(() => addTenant('uw-lock-by-2'))];
        const settled = await Promise.allSettled([...one, ...two]);
        expect(settled.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect(rows.mysqlGroups!.groupsRunAgain - before.groupsRunAgain).to.be.at.least(1);
        expect(await slugs('uw-lock-by-')).to.deep.equal(['uw-lock-by-1', 'uw-lock-by-2']);
        // Whichever went second wrote both rows last.
        const names = (await ds.manager.findBy(TenantEntity, [{ id: x.id }, { id: y.id }])).map((t) => t.name);
        expect(names[0]).to.equal(names[1]);
      });

      it('splits a round too large for one query into several, and still gives each unit its own row', async function () {
        this.timeout(60_000);
        const before = { ...rows.mysqlGroups! };
        const filler = (i: number, n: number) => String.fromCharCode(97 + (i % 26)).repeat(n);
        const big = (i: number) => rows.run(function* () {
          // 100 messages of 3 × 60,000 characters: 18 MB in one round, over MariaDB's 16 MB packet limit.
          const now = new Date();
          const message = {
            id: newId(), tenantId: newId(), conversationId: newId(), channelId: newId(), direction: 'in', sender: 'customer', agentId: null,
            type: 'text', text: filler(i, 60_000), content: { payload: filler(i + 1, 60_000) }, status: 'received', error: filler(i + 2, 60_000),
            externalMessageId: `uw-big-${i}`, clientMessageId: null, createdAt: now, updatedAt: now,
          } as Omit<Message, 'seq'>; // seq is given by the database
          yield* insert(MessageEntity, message);
          const back = yield* findOne(MessageEntity, { id: message.id });
          return back && { external: back.externalMessageId, same: back.text === message.text && back.error === message.error && back.content?.payload === filler(i + 1, 60_000) };
        });
        const got = await Promise.all(Array.from({ length: 100 }, (_, i) => big(i)));
        expect(got).to.deep.equal(Array.from({ length: 100 }, (_, i) => ({ external: `uw-big-${i}`, same: true })));
        expect(rows.mysqlGroups!.groups - before.groups, 'one group, not run again unit by unit').to.equal(1);
      });

      it('sends a single read or write with its COMMIT: one round trip alone, one for a group of them', async () => {
        await Promise.all([rows.findOne(TenantEntity, { slug: 'uw-rt-warm' }), rows.findOne(TenantEntity, { slug: 'uw-rt-warm' })]); // connections set up
        let before = { ...rows.mysqlGroups! };
        const t = tenant('uw-rt-alone');
        await rows.insert(TenantEntity, t);
        expect(rows.mysqlGroups!.queries - before.queries, 'an insert alone').to.equal(1);
        expect((await withoutWaiting(ds.manager.findOneBy(TenantEntity, { id: t.id })))?.slug, 'committed, seen from TypeORM\'s pool').to.equal('uw-rt-alone');
        before = { ...rows.mysqlGroups! };
        expect((await rows.findOne(TenantEntity, { id: t.id }))?.slug).to.equal('uw-rt-alone');
        expect(rows.mysqlGroups!.queries - before.queries, 'a read alone').to.equal(1);

        // Ten singles together: one group, one query.
        before = { ...rows.mysqlGroups! };
        const added = Array.from({ length: 5 }, (_, i) => tenant(`uw-rt-group-${i}`));
        const got = await Promise.all([
          ...added.map((x) => rows.insert(TenantEntity, x).then(() => 'inserted')),
          rows.update(TenantEntity, { id: t.id }, { name: 'renamed in a group' }).then(() => 'updated'),
          ...Array.from({ length: 4 }, () => rows.findOne(TenantEntity, { id: t.id }).then((r) => r?.slug)),
        ]);
        expect(got).to.deep.equal(['inserted', 'inserted', 'inserted', 'inserted', 'inserted', 'updated', 'uw-rt-alone', 'uw-rt-alone', 'uw-rt-alone', 'uw-rt-alone']);
        let after = rows.mysqlGroups!;
        expect([after.groups - before.groups, after.queries - before.queries, after.groupsRunAgain - before.groupsRunAgain]).to.deep.equal([1, 1, 0]);
        expect(await slugs('uw-rt-group-')).to.have.length(5);
        expect((await withoutWaiting(ds.manager.findOneBy(TenantEntity, { id: t.id })))?.name).to.equal('renamed in a group');

        // With a unit of two statements beside them: its second round, then COMMIT of its own.
        before = { ...rows.mysqlGroups! };
        await Promise.all([
          rows.findOne(TenantEntity, { id: t.id }), rows.insert(TenantEntity, tenant('uw-rt-mixed-1')),
          rows.run(function* () { yield* addTenant('uw-rt-mixed-2'); return yield* findOne(TenantEntity, { slug: 'uw-rt-mixed-1' }); }),
        ]);
        after = rows.mysqlGroups!;
        expect([after.groups - before.groups, after.queries - before.queries]).to.deep.equal([1, 3]);
        expect(await slugs('uw-rt-mixed-')).to.deep.equal(['uw-rt-mixed-1', 'uw-rt-mixed-2']);
      });

      it('runs a group of singles again unit by unit when one breaks a unique key: its COMMIT never ran, the others are stored once', async () => {
        const first = tenant('uw-rt-dup');
        await rows.insert(TenantEntity, first);
        const before = { ...rows.mysqlGroups! };
        const given = Array.from({ length: 6 }, (_, i) => (i === 2 ? { ...tenant('uw-rt-dup'), id: newId() } : tenant(`uw-rt-ok-${i}`)));
        const settled = await Promise.allSettled(given.map((x) => rows.insert(TenantEntity, x)));
        expect(settled.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect(isUniqueViolation((settled[2] as PromiseRejectedResult).reason)).to.equal(true);
        expect(rows.mysqlGroups!.groupsRunAgain - before.groupsRunAgain).to.equal(1);
        expect(await slugs('uw-rt-ok-')).to.have.length(5);
        expect((await ds.manager.findBy(TenantEntity, { slug: 'uw-rt-dup' })).map((x) => x.id)).to.deep.equal([first.id]);
      });

      it('fails a group whose query carrying COMMIT lost its connection, and does not run it again (COMMIT may have run)', async function () {
        this.timeout(20_000);
        const { t, free } = await lockedTenant('uw-rt-kill'); // the group's query waits on its row
        try {
          const before = { ...rows.mysqlGroups! };
          const waiting = Promise.allSettled([
            rows.update(TenantEntity, { id: t.id }, { name: 'killed 1' }),
            rows.update(TenantEntity, { id: t.id }, { name: 'killed 2' }),
          ]);
          let id: number | undefined;
          for (let i = 0; i < 200 && id === undefined; i++) {
            const [row] = await ds.query(`SELECT id FROM information_schema.processlist WHERE info LIKE '%killed 1%' AND info NOT LIKE '%processlist%'`) as { id: number | string }[];
            id = row ? Number(row.id) : await new Promise<undefined>((r) => setTimeout(() => r(undefined), 25));
          }
          expect(id, 'the group\'s query, waiting on the row').to.be.a('number');
          await ds.query(`KILL CONNECTION ${Number(id)}`);
          const settled = await waiting;
          expect(settled.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
          expect(rows.mysqlGroups!.groupsRunAgain - before.groupsRunAgain, 'not run again').to.equal(0);
        } finally {
          await free();
        }
        expect((await ds.manager.findOneBy(TenantEntity, { id: t.id }))?.name).to.equal(t.name);
        // The pool goes on without the dead connection.
        await rows.update(TenantEntity, { id: t.id }, { name: 'after the kill' });
        expect((await rows.findOne(TenantEntity, { id: t.id }))?.name).to.equal('after the kill');
      });

      it('does not let groups waiting on a locked row hold back the units that come after: those start beside them', async function () {
        this.timeout(20_000);
        const { t, free } = await lockedTenant('uw-stall-locked');
        const blocked: Promise<unknown>[] = [];
        let settled: PromiseSettledResult<unknown>[] = [];
        try {
          // Six units, one per turn, each waiting on the row: more groups than run at once. (A unit
          // queued meanwhile shares a group with them, and waits with it.)
          for (let i = 0; i < 6; i++) {
            blocked.push(rows.update(TenantEntity, { id: t.id }, { name: `waited ${i}` }));
            await new Promise((r) => setImmediate(r));
          }
          await new Promise((r) => setTimeout(r, 500)); // a later webhook: the groups have stalled by now
          const started = Date.now();
          const free = rows.run(() => addTenant('uw-stall-free')).then(() => Date.now() - started);
          const tookMs = await Promise.race([free, new Promise<string>((r) => setTimeout(() => r('still waiting after 3 s'), 3000))]);
          expect(tookMs, 'a unit that needs no locked row').to.be.a('number').and.below(3000);
          expect(await slugs('uw-stall-free')).to.deep.equal(['uw-stall-free']);
        } finally {
          await free();
          settled = await Promise.allSettled(blocked);
        }
        expect(settled.map((r) => r.status), 'the waiting units, once the row is free').to.deep.equal(Array(6).fill('fulfilled'));
      });

      it('rolls a failed unit back before its connection is used again: nothing stored, no lock kept', async () => {
        for (let i = 0; i < 25; i++) { // more than the pool has connections, so that each is reused
          await rows.run(function* () {
            yield* addTenant(`uw-undone-${i}`);
            throw new Error('the unit changed its mind');
          }).catch(() => {});
        }
        expect(await slugs('uw-undone-')).to.deep.equal([]);
        // A transaction left open would hold the unique key of the slug it inserted.
        await withoutWaiting(ds.query('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, NOW())', [newId(), 'uw-undone-0', 'again']));
        const next = await rows.run(() => addTenant('uw-after-undone'));
        expect(await slugs('uw-after-undone')).to.deep.equal([next.slug]);
      });
    }

    if (kind === 'sqlite') {
      it('commits units that arrive together in one transaction', async () => {
        const before = { ...rows.groupCommit! };
        await Promise.all(Array.from({ length: 50 }, (_, i) => rows.run(() => addTenant(`uw-group-${String(i).padStart(2, '0')}`))));
        expect(rows.groupCommit!.units - before.units).to.equal(50);
        expect(rows.groupCommit!.commits - before.commits).to.equal(1);
        expect(await slugs('uw-group-')).to.have.length(50);
      });

      it('never joins a TypeORM transaction that is open: a rollback there takes nothing of ours', async () => {
        let unitDone = false;
        const foreign = ds.transaction(async (m) => {
          await m.insert(TenantEntity, tenant('uw-foreign'));
          const unit = rows.run(() => addTenant('uw-ours')).then(() => { unitDone = true; });
          await new Promise((r) => setTimeout(r, 30));
          expect(unitDone, 'our unit committed inside the open transaction').to.equal(false);
          void unit;
          throw new Error('rolled back on purpose');
        }).catch((err: Error) => err.message);
        expect(await foreign).to.equal('rolled back on purpose');
        const until = Date.now() + 2000;
        while (!unitDone && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        expect(unitDone).to.equal(true);
        expect(await slugs('uw-foreign')).to.deep.equal([]);
        expect(await slugs('uw-ours')).to.deep.equal(['uw-ours']);
      });

      it('commits to disk before answering: other writes sync inside COMMIT (FULL), units after a WAL sync off the event loop', async () => {
        const db = (ds.driver as unknown as { databaseConnection: { pragma(s: string, o?: { simple: boolean }): unknown } }).databaseConnection;
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
        expect(rows.groupCommit!.syncsOffTheEventLoop).to.equal(true);
        for (let round = 0; round < 3; round++) {
          const before = { ...rows.groupCommit! };
          await Promise.all(Array.from({ length: 20 }, (_, i) => rows.run(() => addTenant(`uw-sync-${round}-${i}`))));
          const after = rows.groupCommit!;
          expect(after.syncs, 'a unit resolved before any WAL sync after its commit').to.be.greaterThan(before.syncs);
          expect(after.syncs - before.syncs).to.be.at.most(after.commits - before.commits); // at most one sync per commit, often fewer
          // Between groups the connection is back to FULL (2), for TypeORM's own writes; 1 would be NORMAL.
          expect(db.pragma('synchronous', { simple: true })).to.equal(2);
        }
        expect(await slugs('uw-sync-')).to.have.length(60);
      });

      it('with a slow disk, answers units that arrive during a WAL sync only after the next one, which covers them all', async function () {
        this.timeout(60_000);
        // A slow disk: every thread of libuv's pool busy hashing, so the WAL sync (an fdatasync
        // on that pool) waits behind them while units arrive on later turns of the event loop.
        const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
        const busy = Promise.all(Array.from({ length: threads }, () => new Promise((r) => crypto.pbkdf2('p', 's', 1_000_000, 64, 'sha512', r))));
        try {
          const before = { ...rows.groupCommit! };
          const first = rows.run(() => addTenant('uw-slowsync-0'));
          await new Promise((r) => setImmediate(r)); // the first unit is committed and its sync queued behind the hashing...
          const syncsSeen: number[] = []; // by each later unit when it is answered
          const later: Promise<unknown>[] = [];
          for (let i = 1; i <= 4; i++) {
            await new Promise((r) => setTimeout(r, 10)); // ...and the others come on later turns, during that sync
            const slug = `uw-slowsync-${i}`;
            later.push(rows.run(() => addTenant(slug)).then(() => { syncsSeen.push(rows.groupCommit!.syncs - before.syncs); }));
          }
          expect(rows.groupCommit!.syncs - before.syncs, 'the first sync ended before the others came: this machine hashes too fast for the test').to.equal(0);
          await Promise.all([first, busy, ...later]);
          expect(syncsSeen, 'answered before the sync after their commit').to.deep.equal([2, 2, 2, 2]);
          const after = rows.groupCommit!;
          expect(after.units - before.units).to.equal(5);
          expect(after.syncs - before.syncs, 'one sync for the four that came during the first').to.equal(2);
          expect(await slugs('uw-slowsync-')).to.have.length(5);
        } finally {
          await busy; // a failure here must not leave the next tests a busy pool
        }
      });

      it('fails the units whose WAL sync failed, saying so, and syncs inside COMMIT from then on', async () => {
        const db = (ds.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
        const problems: string[] = [];
        const group = new GroupCommit(db, (m) => problems.push(m)); // a group commit of its own on the same connection
        const add = (slug: string) => group.submit(() => db.prepare('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)').run(newId(), slug, slug, new Date().toISOString()));
        try {
          expect(group.syncsOffTheEventLoop).to.equal(true);
          // The WAL file handle goes bad under the group commit: its next fdatasync fails (EBADF).
          fs.closeSync((group as unknown as { wal: number }).wal);
          const failed = await Promise.allSettled([add('uw-unsynced-a'), add('uw-unsynced-b')]);
          expect(failed.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
          expect((failed[0] as PromiseRejectedResult).reason.message).to.match(/could not be synced to disk .*not acknowledged/);
          expect(problems.join(' ')).to.match(/Commits sync inside COMMIT from now on/);
          expect(group.syncsOffTheEventLoop).to.equal(false);
          await add('uw-synced-after');
          expect(await slugs('uw-synced-after')).to.deep.equal(['uw-synced-after']);
          expect(db.pragma('synchronous', { simple: true })).to.equal(2);
        } finally {
          await group.close();
        }
      });

      it('fails units submitted after the connection closed, and nothing crashes', async () => {
        const file = `${scratch.dataDir}/closed-${newId()}.db`;
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE t (v TEXT)');
        const group = new GroupCommit(db);
        expect(group.syncsOffTheEventLoop).to.equal(true);
        await group.submit(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('before'));
        db.close();
        const late = await group.submit(() => 'never run').then(() => 'stored', (err: Error) => err.message);
        expect(late).to.match(/not open/);
        await group.close();
      });

      it('checkpoints the WAL on its own thread: the main connection never does, and the log does not grow without end', async function () {
        this.timeout(20_000);
        const db = (ds.driver as unknown as { databaseConnection: { pragma(s: string, o?: { simple: boolean }): unknown; name: string } }).databaseConnection;
        expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(0);
        const walBytes = () => fs.statSync(`${db.name}-wal`).size;
        const sizes: number[] = [];
        for (let round = 0; round < 6; round++) {
          await Promise.all(Array.from({ length: 400 }, (_, i) => rows.run(() => addTenant(`uw-wal-${round}-${i}-${'x'.repeat(40)}`))));
          sizes.push(walBytes());
          await new Promise((r) => setTimeout(r, 700)); // more than the checkpoint interval
        }
        // Without checkpoints every round would append to the log; with them it is reused from its start.
        expect(sizes.at(-1), `WAL sizes after each round: ${sizes.join(', ')}`).to.be.at.most(Math.max(sizes[0], sizes[1]));
        expect((await slugs('uw-wal-')).length).to.equal(2400);
      });

      it('starts the WAL over under writes that never pause: writes are held for a moment while the last frames are copied', async function () {
        this.timeout(30_000);
        const db = (ds.driver as unknown as { databaseConnection: { name: string } }).databaseConnection;
        // The WAL header's checkpoint sequence number (bytes 12-15) goes up each time the log starts over.
        const header = Buffer.alloc(32);
        const restarts = () => {
          const fd = fs.openSync(`${db.name}-wal`, 'r');
          try { fs.readSync(fd, header, 0, 32, 0); } finally { fs.closeSync(fd); }
          return header.readUInt32BE(12);
        };
        const before = { restarts: restarts(), ...rows.walCheckpoints! };
        // Twenty writers, each writing again as soon as its last write is stored: a commit every
        // time a WAL sync ends, so that every checkpoint has commits arriving while it runs.
        let stop = false;
        let written = 0;
        const writer = async (w: number) => {
          for (let i = 0; !stop; i++) {
            await rows.run(() => addTenant(`uw-steady-${w}-${i}-${'x'.repeat(200)}`));
            written++;
          }
        };
        const sizes: number[] = [];
        const sampler = setInterval(() => sizes.push(fs.statSync(`${db.name}-wal`).size), 100);
        const writers = Array.from({ length: 20 }, (_, w) => writer(w));
        // Until the log has started over three times (about 2 s here), or 15 s: a slower disk takes
        // longer to fill 32 MB. (Before, it never started over, and grew by 130 MB a second here.)
        const since = Date.now();
        while (restarts() - before.restarts < 3 && Date.now() - since < 15_000) await new Promise((r) => setTimeout(r, 100));
        stop = true;
        await Promise.all(writers);
        clearInterval(sampler);
        const after = { restarts: restarts(), ...rows.walCheckpoints! };
        const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
        const said = `${written} units; WAL restarts ${after.restarts - before.restarts}, holds ${after.holds - before.holds} (caught up ${after.caughtUp - before.caughtUp}); WAL sizes (MB) every 100 ms: ${sizes.map(mb).join(' ')}`;
        // The log started over though writes never stopped, after holds whose copy reached its end.
        expect(after.restarts - before.restarts, said).to.be.at.least(3);
        expect(after.holds - before.holds, said).to.be.at.least(1);
        expect(after.caughtUp - before.caughtUp, said).to.be.at.least(1);
        // So the file stopped growing: it kept the size its first cycles gave it (64 MB at most once
        // it starts over, plus what one cycle writes) instead of growing for as long as the writes go on.
        expect(Math.max(...sizes.slice(-10)), said).to.be.at.most(2 * Math.max(...sizes.slice(0, 10)));
        // Once writes stop, the log is all copied and starts over with the next write: no more holds
        // (after at most one, for what came just before the stop, in the first 1.2 s).
        await new Promise((r) => setTimeout(r, 1200));
        const quiet = rows.walCheckpoints!.holds;
        await new Promise((r) => setTimeout(r, 1100));
        expect(rows.walCheckpoints!.holds, 'holds while no one writes').to.equal(quiet);
        expect((await slugs('uw-steady-')).length, said).to.equal(written);
      });

      it('holds groups while asked to: units queued meanwhile are committed after the hold, in order, in one group', async () => {
        const db = new Database(':memory:');
        db.exec('CREATE TABLE t (v TEXT)');
        const group = new GroupCommit(db);
        let release!: () => void;
        group.hold(new Promise<void>((r) => { release = r; }));
        const committed: string[] = [];
        const units = ['a', 'b', 'c'].map((v) => group.submit(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(v)).then(() => committed.push(v)));
        await new Promise((r) => setTimeout(r, 50));
        expect(committed, 'nothing committed during the hold').to.deep.equal([]);
        expect(db.prepare('SELECT count(*) AS n FROM t').get()).to.deep.equal({ n: 0 });
        const commitsBefore = group.stats.commits;
        release();
        await Promise.all(units);
        expect(committed).to.deep.equal(['a', 'b', 'c']);
        expect(group.stats.commits - commitsBefore).to.equal(1);
        expect(db.prepare('SELECT v FROM t ORDER BY rowid').all()).to.deep.equal([{ v: 'a' }, { v: 'b' }, { v: 'c' }]);
        db.close();
      });

      it('fails units that wait on a transaction which itself waits for them, saying why, and the transaction goes on', async function () {
        this.timeout(15_000);
        const outcome = await ds.transaction(async (m) => {
          await m.insert(TenantEntity, tenant('uw-stuck-tx'));
          const unit = await rows.run(() => addTenant('uw-stuck-unit')).then(() => 'stored', (err: Error) => err.message);
          await m.insert(TenantEntity, tenant('uw-stuck-tx-2'));
          return unit;
        });
        expect(outcome).to.match(/waited 5000 ms for a transaction to end; do not run them inside ctx\.db\.transaction\(\)/);
        expect(await slugs('uw-stuck')).to.deep.equal(['uw-stuck-tx', 'uw-stuck-tx-2']);
        await rows.run(() => addTenant('uw-after-stuck'));
        expect(await slugs('uw-after-stuck')).to.deep.equal(['uw-after-stuck']);
      });
    }
  });
}

describe('rows through Rows read and write as TypeORM does', function () {
  // A transformer that is not idempotent shows whether it is applied once, as TypeORM applies it.
  const Doubled = new EntitySchema<{ id: string; amount: number }>({
    name: 'Doubled', tableName: 'doubled',
    columns: { id: { type: 'varchar', primary: true }, amount: { type: 'integer', transformer: { to: (v: number) => v * 2, from: (v: number) => v / 2 } } },
  });
  let ds: DataSource;
  let rows: Rows;
  before(async () => {
    ds = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Doubled], synchronize: true }).initialize();
    rows = new Rows(ds);
  });
  after(async () => { await rows?.close(); await ds?.destroy(); });

  it('applies a column transformer once each way', async () => {
    await rows.insert(Doubled, { id: 'a', amount: 5 });
    expect((await ds.query('SELECT amount FROM doubled WHERE id = ?', ['a']))[0].amount, 'stored as TypeORM stores it').to.equal(10);
    expect((await ds.manager.findOneBy(Doubled, { id: 'a' }))!.amount).to.equal(5);
    expect((await rows.findOne(Doubled, { id: 'a' }))!.amount).to.equal(5);
    await ds.manager.insert(Doubled, { id: 'b', amount: 7 });
    expect((await rows.findOne(Doubled, { id: 'b' }))!.amount, 'what TypeORM wrote, read back').to.equal(7);
    await rows.update(Doubled, { id: 'b' }, { amount: 8 });
    expect((await ds.manager.findOneBy(Doubled, { id: 'b' }))!.amount).to.equal(8);
  });
});
