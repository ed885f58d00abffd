// Contention: several queue machines on their own Redis connections (as several processes) enqueue,
// release, change status and capacity at once on the same queues and agents. Atomic snapshots taken
// meanwhile must never show an agent over capacity or a conversation in two places; at the end
// every conversation was assigned exactly once and none was lost.
import { expect } from 'chai';
import { harness, TENANT, type Harness } from './harness.js';
import type { QueueMachine } from '../../queue-machine/queue-machine.js';

const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
const QUEUES = ['q1', 'q2'];
const CONVERSATIONS = 400;

describe('queue machine: contention between processes', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.close(); });

  async function snapshot(): Promise<string[]> {
    const k = h.qm.keys(TENANT);
    const m = h.redis.multi(); // MULTI runs between scripts, never inside one: a consistent view
    for (const a of AGENTS) { m.hmget(k.agent(a), 'load', 'capacity'); m.smembers(k.agentConvs(a)); }
    for (const q of QUEUES) m.zrange(k.waiting(q), 0, -1);
    const res = ((await m.exec()) ?? []).map((r) => r[1]);
    const problems: string[] = [];
    const seen = new Map<string, string>();
    AGENTS.forEach((a, i) => {
      const [load, cap] = (res[i * 2] as string[]).map(Number);
      const convs = res[i * 2 + 1] as string[];
      if (load > cap) problems.push(`${a} load ${load} > capacity ${cap}`);
      if (load !== convs.length) problems.push(`${a} load ${load} but holds ${convs.length}`);
      for (const c of convs) { if (seen.has(c)) problems.push(`${c} held by ${seen.get(c)} and ${a}`); seen.set(c, a); }
    });
    QUEUES.forEach((q, i) => {
      for (const c of res[AGENTS.length * 2 + i] as string[]) { if (seen.has(c)) problems.push(`${c} in ${q} and ${seen.get(c)}`); seen.set(c, q); }
    });
    return problems;
  }

  it('never over-assigns an agent, never assigns a conversation twice, never loses one', async () => {
    for (const q of QUEUES) await h.queue(q);
    for (const [i, a] of AGENTS.entries()) await h.agent(a, { capacity: 1 + (i % 3), queueIds: i % 2 ? ['q1', 'q2'] : [QUEUES[i % 2]] });
    const machines: QueueMachine[] = [h.qm, h.another(), h.another(), h.another(), h.another()];
    const pick = () => machines[Math.floor(Math.random() * machines.length)];
    const released = new Set<string>();
    const problems: string[] = [];
    let storming = true;

    const sampler = (async () => { while (storming) problems.push(...await snapshot()); })();
    const arrivals = Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) =>
      new Promise((r) => setTimeout(r, Math.random() * 300)).then(() => pick().enqueue({ tenantId: TENANT, conversationId: `c${i}`, queueId: QUEUES[i % 2], priority: i % 7 === 0 ? 3 : 0 }))));
    const closers = Promise.all(Array.from({ length: 6 }, async () => {
      while (released.size < CONVERSATIONS) {
        const held = h.assigned.map((a) => a.conversationId).filter((c) => !released.has(c));
        const c = held[Math.floor(Math.random() * held.length)];
        if (c === undefined) { await new Promise((r) => setTimeout(r, 2)); continue; }
        released.add(c);
        await pick().release(TENANT, c);
      }
    }));
    const churn = (async () => {
      for (let i = 0; i < 60; i++) {
        const a = AGENTS[i % AGENTS.length];
        if (i % 3 === 0) await pick().syncAgent(TENANT, { id: a, capacity: 3 + Math.floor(i / 20), queueIds: i % 2 ? ['q1', 'q2'] : [QUEUES[i % 2]] });
        else await pick().setAgentStatus(TENANT, a, i % 3 === 1 ? 'away' : 'online');
        await new Promise((r) => setTimeout(r, 3));
      }
      for (const a of AGENTS) await pick().setAgentStatus(TENANT, a, 'online');
    })();
    await Promise.all([arrivals, churn, closers]);
    storming = false;
    await sampler;

    expect(problems).to.deep.equal([]);
    const counts = new Map<string, number>();
    for (const a of h.assigned) counts.set(a.conversationId, (counts.get(a.conversationId) ?? 0) + 1);
    expect(counts.size).to.equal(CONVERSATIONS);
    expect([...counts.values()].every((n) => n === 1)).to.equal(true);
    expect(await snapshot()).to.deep.equal([]);
    for (const q of QUEUES) expect(await h.qm.waiting(TENANT, q)).to.deep.equal([]);
    for (const a of AGENTS) expect((await h.qm.agentState(TENANT, a)).load).to.equal(0);
  });
});
