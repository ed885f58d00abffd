// The assignment policies, priorities, skills, sticky routing and capacity, on real Redis.
import { expect } from 'chai';
import { harness, tick, TENANT, type Harness } from './harness.js';

describe('queue machine: policies and priorities', () => {
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.close(); });

  describe('least loaded (the default)', () => {
    it('gives each conversation to the agent least loaded relative to capacity, then the longest idle', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 4, queueIds: ['q'] });
      await h.agent('b', { capacity: 2, queueIds: ['q'] });
      for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) { await h.enqueue(c, 'q'); await tick(); }
      // c1: both idle at 0 (tie: a); c2: b at 0; c3: a 1/4 < b 1/2; c4: a and b at 1/2, b idle longer; c5: b full.
      expect(h.pairs()).to.deep.equal(['c1>a', 'c2>b', 'c3>a', 'c4>b', 'c5>a']);
    });

    it('prefers the agent idle longest when loads are equal', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('c1', 'q'); await tick();
      await h.enqueue('c2', 'q'); await tick();
      await h.qm.release(TENANT, 'c1'); await tick(); // a free again, but assigned more recently than... nobody waits
      await h.qm.release(TENANT, 'c2'); await tick();
      await h.enqueue('c3', 'q');
      expect(h.pairs().at(-1)).to.equal('c3>a'); // a's last assignment (c1) is older than b's (c2)
    });
  });

  describe('round robin', () => {
    it('takes agents in turn whatever their load, skipping those who are full or not online', async () => {
      await h.queue('q', { policy: 'round-robin' });
      await h.agent('a', { capacity: 5, queueIds: ['q'] });
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.agent('c', { capacity: 5, queueIds: ['q'] });
      await h.agent('d', { capacity: 5, queueIds: ['q'] }, 'away');
      for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) await h.enqueue(c, 'q');
      expect(h.pairs()).to.deep.equal(['c1>a', 'c2>b', 'c3>c', 'c4>a', 'c5>c']);
    });
  });

  describe('manual pick', () => {
    it('never assigns by itself: agents take conversations, within their capacity', async () => {
      await h.queue('q', { policy: 'manual' });
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('c1', 'q');
      await h.enqueue('c2', 'q');
      expect(h.assigned).to.have.length(0);
      const picked = await h.qm.pick(TENANT, 'a', { conversationId: 'c2' });
      expect(picked).to.include({ conversationId: 'c2', agentId: 'a', mode: 'assign' });
      expect(await h.qm.pick(TENANT, 'a')).to.equal(null); // at capacity
      await h.qm.release(TENANT, 'c2');
      expect(h.assigned).to.have.length(0); // freed capacity does not auto-assign in a manual queue
      expect((await h.qm.pick(TENANT, 'a', { queueId: 'q' }))?.conversationId).to.equal('c1');
    });

    it('does not let an agent pick from a queue they are not in', async () => {
      await h.queue('q', { policy: 'manual' });
      await h.queue('other', { policy: 'manual' });
      await h.agent('a', { queueIds: ['other'] });
      await h.enqueue('c1', 'q');
      expect(await h.qm.pick(TENANT, 'a', { conversationId: 'c1' })).to.equal(null);
      expect(await h.qm.pick(TENANT, 'a', { queueId: 'q' })).to.equal(null);
    });
  });

  describe('skills', () => {
    it('only gives a queue with required skills to agents who have them at the required level', async () => {
      await h.queue('q', {}, { skills: { spanish: 2 } });
      await h.agent('none', { queueIds: ['q'] });
      await h.agent('low', { queueIds: ['q'], skills: { spanish: 1 } });
      await h.enqueue('c1', 'q');
      expect(h.assigned).to.have.length(0);
      await h.agent('high', { queueIds: ['q'], skills: { spanish: 3 } });
      expect(h.pairs()).to.deep.equal(['c1>high']);
    });

    it('skills-based policy: the best skill match first, then the least loaded', async () => {
      await h.queue('q', { policy: 'skills' }, { skills: { billing: 1, spanish: 1 } });
      await h.agent('good', { capacity: 2, queueIds: ['q'], skills: { billing: 2, spanish: 2 } });
      await h.agent('best', { capacity: 2, queueIds: ['q'], skills: { billing: 5, spanish: 3 } });
      await h.agent('best2', { capacity: 2, queueIds: ['q'], skills: { billing: 4, spanish: 4 } });
      for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) { await h.enqueue(c, 'q'); await tick(); }
      // best and best2 tie on 8: load decides between them; "good" (4) only once both are full.
      expect(h.pairs()).to.deep.equal(['c1>best', 'c2>best2', 'c3>best', 'c4>best2', 'c5>good']);
    });
  });

  describe('priorities', () => {
    it('serves a VIP customer before others who waited longer, then by arrival', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 1, queueIds: ['q'] }, 'offline');
      await h.enqueue('c1', 'q'); await tick();
      await h.enqueue('c2', 'q'); await tick();
      await h.enqueue('vip', 'q', { priority: 5 });
      expect(await h.qm.position(TENANT, 'q', 'vip')).to.equal(1);
      expect(await h.qm.position(TENANT, 'q', 'c2')).to.equal(3);
      await h.qm.setAgentStatus(TENANT, 'a', 'online');
      await h.qm.release(TENANT, 'vip');
      await h.qm.release(TENANT, 'c1');
      expect(h.pairs()).to.deep.equal(['vip>a', 'c1>a', 'c2>a']);
    });

    it('across an agent\'s queues, frees capacity to the higher-priority queue first', async () => {
      await h.queue('low', {}, { priority: 0 });
      await h.queue('high', {}, { priority: 10 });
      await h.agent('a', { capacity: 1, queueIds: ['low', 'high'] });
      await h.enqueue('busy', 'low');
      await h.enqueue('l1', 'low'); await tick();
      await h.enqueue('h1', 'high');
      await h.qm.release(TENANT, 'busy');
      expect(h.pairs()).to.deep.equal(['busy>a', 'h1>a']);
      await h.qm.release(TENANT, 'h1');
      expect(h.pairs().at(-1)).to.equal('l1>a');
    });
  });

  describe('sticky routing', () => {
    it('gives a returning customer to their last agent when that agent has capacity, else the policy decides', async () => {
      await h.queue('q', { stickySeconds: 600 });
      await h.agent('a', { capacity: 2, queueIds: ['q'] });
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('x', 'q'); // a (tie by id); now a 1/2, b 0
      await h.enqueue('back', 'q', { preferAgentId: 'a' });
      expect(h.pairs()).to.deep.equal(['x>a', 'back>a']); // least loaded would have been b
      await h.enqueue('again', 'q', { preferAgentId: 'a' }); // a full: b
      expect(h.pairs().at(-1)).to.equal('again>b');
    });

    it('with a sticky wait, holds the customer for their agent while that agent is online but full', async () => {
      await h.queue('q', { stickySeconds: 600, stickyWaitSeconds: 30 });
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('x', 'q');
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('back', 'q', { preferAgentId: 'a' });
      expect(h.assigned).to.have.length(1); // b is free, but back waits for a
      const [hold] = h.timersOf('hold');
      expect(hold).to.include({ conversationId: 'back', queueId: 'q' });
      await h.qm.release(TENANT, 'x');
      expect(h.pairs().at(-1)).to.equal('back>a');
    });

    it('when the sticky wait ends, the policy decides', async () => {
      await h.queue('q', { stickySeconds: 600, stickyWaitSeconds: 0.05 });
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('x', 'q');
      await h.agent('b', { capacity: 1, queueIds: ['q'] });
      await h.enqueue('back', 'q', { preferAgentId: 'a' });
      expect(h.assigned).to.have.length(1);
      await new Promise((r) => setTimeout(r, 60));
      await h.qm.fire(h.timersOf('hold')[0]);
      expect(h.pairs().at(-1)).to.equal('back>b');
    });
  });

  describe('capacity', () => {
    it('assigns waiting conversations the moment an agent\'s capacity grows, and never beyond it', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 1, queueIds: ['q'] });
      for (const c of ['c1', 'c2', 'c3', 'c4']) await h.enqueue(c, 'q');
      expect(h.pairs()).to.deep.equal(['c1>a']);
      await h.qm.syncAgent(TENANT, { id: 'a', capacity: 3, queueIds: ['q'] });
      expect(h.pairs()).to.deep.equal(['c1>a', 'c2>a', 'c3>a']);
      expect(await h.qm.agentState(TENANT, 'a')).to.include({ load: 3, capacity: 3 });
      await h.qm.syncAgent(TENANT, { id: 'a', capacity: 1, queueIds: ['q'] }); // lowering keeps what they have
      await h.qm.release(TENANT, 'c1');
      expect(h.assigned).to.have.length(3); // 2 still held, above the new capacity of 1: nothing new
    });

    it('keeps a capacity per channel kind beside the overall one', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 3, capacities: { voice: 1 }, queueIds: ['q'] });
      await h.enqueue('v1', 'q', { kind: 'voice' });
      await h.enqueue('v2', 'q', { kind: 'voice' });
      await h.enqueue('t1', 'q', { kind: 'chat' });
      expect(h.pairs()).to.deep.equal(['v1>a', 't1>a']); // v2 waits (voice full) without blocking the chat behind it
      expect((await h.qm.agentState(TENANT, 'a')).loads).to.deep.equal({ voice: 1, chat: 1 });
      await h.qm.release(TENANT, 'v1');
      expect(h.pairs().at(-1)).to.equal('v2>a');
    });

    it('starts assigning when an agent comes online, and stops when they go away', async () => {
      await h.queue('q');
      await h.agent('a', { capacity: 5, queueIds: ['q'] }, 'away');
      await h.enqueue('c1', 'q');
      expect(h.assigned).to.have.length(0);
      await h.qm.setAgentStatus(TENANT, 'a', 'online');
      await h.qm.setAgentStatus(TENANT, 'a', 'away');
      await h.enqueue('c2', 'q');
      expect(h.pairs()).to.deep.equal(['c1>a']);
    });
  });
});
