// How fast freed capacity is filled: agents close a conversation while others wait, and the next
// assignment's arrival at their socket is timed; then how many assignments a deployment makes per
// second, with one app process and with two.
import os from 'node:os';
import type { AnySocket } from '../test/helpers/sockets.js';
import { exponential, seeded } from './bench-math.js';
import { machineMeter } from './process-cpu.js';
import { Cluster, type BenchAgent } from './routing-cluster.js';

export interface LatencySamples { closeToReceived: number[]; freedToReceived: number[]; perSecond: number; machineBusy: number }

/**
 * `agents` agents of capacity 1 each, a queue that never empties: every close frees one slot, the
 * engine fills it at once, and we time (a) our close sent → next assignment received and
 * (b) the engine's assignment instant (right after it freed the slot) → received.
 * Agents close at once (a closed loop: the deployment runs as fast as it can, so the figures
 * include the queueing of a saturated machine), or, with `holdMs`, after an exponential handling
 * time of that mean, which sets a steady rate below saturation.
 */
export async function freedCapacityLatency(c: Cluster, o: { agents: number; samples: number; holdMs?: number; seed?: number }): Promise<LatencySamples> {
  const queueId = await c.createQueue(`latency ${Date.now()}`);
  const agents = await c.createAgents(o.agents, queueId, 1);
  const ids = await c.conversations(o.samples + o.agents * 2 + 10, queueId);
  for (const id of ids) await c.enqueue(id, queueId);
  const out = { closeToReceived: [] as number[], freedToReceived: [] as number[] };
  const rand = seeded(o.seed ?? 7);
  let started = 0, machine = machineMeter();
  await new Promise<void>((resolve) => {
    for (const a of agents) {
      let closedAt = 0;
      a.socket!.on('conversation:assigned', (p: { conversation: { id: string; assignedAt?: string } }) => {
        const now = Date.now();
        if (closedAt) {
          out.closeToReceived.push(now - closedAt);
          if (p.conversation.assignedAt) out.freedToReceived.push(now - Date.parse(p.conversation.assignedAt));
        }
        if (out.closeToReceived.length >= o.samples) return resolve();
        if (!started) { started = Date.now(); machine = machineMeter(); }
        const close = () => {
          closedAt = Date.now();
          a.socket!.emit('conversation:close', { conversationId: p.conversation.id }, () => {});
        };
        if (o.holdMs) setTimeout(close, exponential(rand, o.holdMs));
        else close();
      });
    }
    void Cluster.setOnline(agents);
  });
  const seconds = (Date.now() - started) / 1000, machineBusy = machine.stop();
  await finish(agents);
  return { ...out, perSecond: out.closeToReceived.length / seconds, machineBusy };
}

/** Assignments per second while `conversations` wait and agents close each one as soon as they get it. */
export async function assignmentRate(c: Cluster, o: { agents: number; capacity: number; conversations: number; urls: string[] }): Promise<{ perSecond: number; seconds: number; machineBusy: number; cores: number }> {
  const queueId = await c.createQueue(`rate ${Date.now()}`);
  const agents = await c.createAgents(o.agents, queueId, o.capacity, o.urls);
  const ids = await c.conversations(o.conversations, queueId);
  for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => c.enqueue(id, queueId)));
  let received = 0;
  const started = Date.now();
  const machine = machineMeter();
  await new Promise<void>((resolve) => {
    for (const a of agents) {
      a.socket!.on('conversation:assigned', (p: { conversation: { id: string } }) => {
        if (++received === o.conversations) resolve();
        a.socket!.emit('conversation:close', { conversationId: p.conversation.id }, () => {});
      });
    }
    void Cluster.setOnline(agents);
  });
  const seconds = (Date.now() - started) / 1000;
  const machineBusy = machine.stop();
  await finish(agents);
  return { perSecond: o.conversations / seconds, seconds, machineBusy, cores: os.cpus().length };
}

async function finish(agents: BenchAgent[]): Promise<void> {
  await Cluster.setOnline(agents, 'offline');
  agents.forEach((a) => { (a.socket as AnySocket).removeAllListeners('conversation:assigned'); a.socket!.close(); });
}
