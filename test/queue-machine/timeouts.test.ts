// Offers and their timeouts, the disconnect grace period, overflow, and estimates, on real Redis.
// Timers are recorded by the harness and fired by the test, as the 'queue-timer' jobs would.
import { expect } from 'chai';
import { harness, tick, TENANT, type Harness } from './harness.js';
import { estimateQueue } from '../../queue-machine/estimates.js';

describe('queue machine: offers, grace periods, overflow and estimates', () => {
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.close(); });

  describe('offers', () => {
    beforeEach(async () => {
      await h.queue('q', { offerTimeoutSeconds: 15, maxMissedOffers: 2 });
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
    });

    it('offers with a durable expiry timer, holding the agent\'s capacity until they answer', async () => {
      await h.enqueue('c1', 'q');
      expect(h.assigned[0]).to.include({ conversationId: 'c1', agentId: 'a', mode: 'offer', offerMs: 15000 });
      expect(h.timers[0]).to.deep.include({ delayMs: 15000 });
      expect(h.timers[0].timer).to.include({ kind: 'offer', conversationId: 'c1', agentId: 'a', token: h.assigned[0].token });
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ load: 1 });
      const r = await h.qm.accept(TENANT, 'c1', 'a');
      expect(r.status).to.equal('accepted');
      expect((await h.qm.holder(TENANT, 'c1')).state).to.equal('assigned');
      await h.qm.fire(h.timersOf('offer')[0]); // the timer of an accepted offer changes nothing
      expect(h.routed).to.have.length(0);
      expect(await h.qm.accept(TENANT, 'c1', 'b')).to.deep.equal({ status: 'not-offered' });
    });

    it('gives an offer that times out to the next agent, and frees the first one', async () => {
      await h.enqueue('c1', 'q');
      await h.qm.fire(h.timersOf('offer')[0]);
      expect(h.routed[0]).to.include({ kind: 'offer-expired', conversationId: 'c1', agentId: 'a', declined: false, agentSetAway: false });
      expect(h.pairs()).to.deep.equal(['c1>a', 'c1>b']);
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ load: 0, status: 'online' });
      expect(await h.qm.accept(TENANT, 'c1', 'a')).to.deep.equal({ status: 'not-offered' });
    });

    it('sets an agent away after the queue\'s number of missed offers in a row', async () => {
      await h.qm.setAgentStatus(TENANT, 'b', 'offline');
      await h.enqueue('c1', 'q');
      await h.qm.fire(h.timersOf('offer')[0]); // miss 1: nobody else, so offered to a again
      expect(h.pairs()).to.deep.equal(['c1>a', 'c1>a']);
      await h.qm.fire(h.timersOf('offer')[1]); // miss 2: away
      expect(h.routed.at(-1)).to.include({ kind: 'offer-expired', agentSetAway: true });
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ status: 'away', load: 0 });
      expect(await h.qm.position(TENANT, 'q', 'c1')).to.equal(1);
    });

    it('a declined offer goes to the next agent at once, without counting a miss', async () => {
      await h.enqueue('c1', 'q');
      expect(await h.qm.decline(TENANT, 'c1', 'a')).to.equal(true);
      expect(h.routed[0]).to.include({ kind: 'offer-expired', declined: true });
      expect(h.pairs()).to.deep.equal(['c1>a', 'c1>b']);
      expect(Number(await h.qm.redis.hget(h.qm.keys(TENANT).agent('a'), 'misses'))).to.equal(0);
      expect(await h.qm.decline(TENANT, 'c1', 'a')).to.equal(false);
    });

    it('a manual pick needs no acceptance', async () => {
      await h.queue('m', { policy: 'manual', offerTimeoutSeconds: 15 });
      await h.agent('p', { queueIds: ['m'] });
      await h.enqueue('c1', 'm');
      expect(await h.qm.pick(TENANT, 'p')).to.include({ mode: 'assign' });
    });
  });

  describe('disconnect grace period', () => {
    beforeEach(async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 2, queueIds: ['q'] });
      await h.enqueue('c1', 'q'); await tick();
      await h.enqueue('c2', 'q'); await tick();
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('c3', 'q'); await tick(); // b
      await h.enqueue('w1', 'q'); // waits
    });

    it('stops new work at once, then puts the agent\'s conversations back at the FRONT of their queue', async () => {
      await h.qm.agentDisconnected(TENANT, 'a', 30_000);
      expect(h.timersOf('grace')).to.have.length(1);
      expect(h.timers.at(-1)!.delayMs).to.equal(30_000);
      expect((await h.qm.agentState(TENANT, 'a')).connected).to.equal(false);
      await h.qm.release(TENANT, 'c1'); // a frees a slot while gone: it must not get w1
      expect(h.assigned.map((x) => x.conversationId)).to.not.include('w1');
      await h.qm.fire(h.timersOf('grace')[0]);
      expect(h.routed.map((o) => o.kind === 'requeued' && o.conversationId)).to.deep.equal(['c2']);
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ status: 'offline', load: 0, connected: true });
      const waiting = (await h.qm.waiting(TENANT, 'q')).map((w) => w.conversationId);
      expect(waiting).to.deep.equal(['c2', 'w1']); // ahead of w1, who queued before c2 was requeued
    });

    it('is cancelled when the agent reconnects in time', async () => {
      await h.qm.agentDisconnected(TENANT, 'a', 30_000);
      const [grace] = h.timersOf('grace');
      await h.qm.agentConnected(TENANT, 'a');
      expect(h.cancelled).to.deep.equal([grace]);
      await h.qm.fire(grace); // had it fired anyway, it must change nothing
      expect(h.routed).to.have.length(0);
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ status: 'online', load: 2, connected: true });
    });
  });

  describe('overflow', () => {
    it('moves a conversation past the maximum wait to the fallback queue, keeping its arrival time', async () => {
      await h.queue('fb');
      await h.queue('q', { maxWaitSeconds: 60, overflowAction: 'fallback', fallbackQueueId: 'fb' });
      await h.enqueue('early', 'fb');
      await h.enqueue('c1', 'q', { enqueuedAt: Date.now() - 1000 });
      const [timer] = h.timersOf('max-wait');
      expect(h.timers[0].delayMs).to.be.within(58_900, 59_100); // counted from when the customer queued
      await h.qm.fire(timer);
      expect(h.routed[0]).to.include({ kind: 'overflowed', conversationId: 'c1', fromQueueId: 'q', toQueueId: 'fb', reason: 'max-wait' });
      expect((await h.qm.waiting(TENANT, 'fb')).map((w) => w.conversationId)).to.deep.equal(['c1', 'early']);
      await h.agent('a', { queueIds: ['fb'] });
      expect(h.pairs()[0]).to.equal('c1>a');
    });

    it('hands a conversation to the autoresponder past the maximum wait, and never after it was assigned', async () => {
      await h.queue('q', { maxWaitSeconds: 60 });
      await h.enqueue('c1', 'q');
      await h.enqueue('c2', 'q');
      await h.agent('a', { capacity: 1, queueIds: ['q'] }); // takes c1 before its timer fires
      for (const t of h.timersOf('max-wait')) await h.qm.fire(t);
      expect(h.routed).to.have.length(1);
      expect(h.routed[0]).to.include({ conversationId: 'c2', toQueueId: null, reason: 'max-wait' });
      expect(await h.qm.holder(TENANT, 'c2')).to.include({ state: null });
    });

    it('overflows at once when nobody eligible is online, and when the last eligible agent leaves', async () => {
      await h.queue('fb');
      await h.queue('q', { overflowWhenNoAgents: true, overflowAction: 'fallback', fallbackQueueId: 'fb' }, { skills: { french: 1 } });
      await h.agent('nofrench', { queueIds: ['q'] });
      await h.enqueue('c1', 'q');
      expect(h.routed[0]).to.include({ conversationId: 'c1', toQueueId: 'fb', reason: 'no-agents' });
      await h.agent('fr', { capacity: 1, queueIds: ['q'], skills: { french: 1 } });
      await h.enqueue('c2', 'q');
      await h.enqueue('c3', 'q');
      expect(h.pairs()).to.deep.equal(['c2>fr']);
      await h.qm.setAgentStatus(TENANT, 'fr', 'away');
      expect(h.routed.at(-1)).to.include({ conversationId: 'c3', toQueueId: 'fb', reason: 'no-agents' });
    });

    it('overflows an arrival into a full queue', async () => {
      await h.queue('q', { maxSize: 1 });
      await h.enqueue('c1', 'q');
      await h.enqueue('c2', 'q');
      expect(h.routed).to.have.length(1);
      expect(h.routed[0]).to.include({ conversationId: 'c2', toQueueId: null, reason: 'queue-full' });
      expect((await h.qm.waiting(TENANT, 'q')).map((w) => w.conversationId)).to.deep.equal(['c1']);
    });

    it('cannot bounce between two queues that fall back on each other for ever', async () => {
      await h.queue('x', { overflowWhenNoAgents: true, overflowAction: 'fallback', fallbackQueueId: 'y' });
      await h.queue('y', { overflowWhenNoAgents: true, overflowAction: 'fallback', fallbackQueueId: 'x' });
      await h.enqueue('c1', 'x');
      expect(h.routed.map((o) => o.kind === 'overflowed' && o.toQueueId)).to.deep.equal(['y', 'x', 'y', null]);
    });
  });

  describe('estimates', () => {
    it('estimates the wait from the measured handling time and the eligible agents online', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 2, queueIds: ['q'] });
      expect(await estimateQueue(h.qm, TENANT, 'q')).to.deep.equal({ ahtSeconds: null, slots: 2, secondsPerPosition: null });
      await h.enqueue('c1', 'q');
      await h.enqueue('c2', 'q');
      await new Promise((r) => setTimeout(r, 120));
      await h.qm.release(TENANT, 'c1');
      await h.qm.release(TENANT, 'c2');
      const e = await estimateQueue(h.qm, TENANT, 'q');
      expect(e.ahtSeconds).to.be.within(0.11, 0.4);
      expect(e.secondsPerPosition).to.be.closeTo(e.ahtSeconds! / 2, 1e-9);
      await h.agent('b', { capacity: 2, queueIds: ['q'] }, 'away'); // away agents add nothing
      expect((await estimateQueue(h.qm, TENANT, 'q')).slots).to.equal(2);
    });
  });
});
