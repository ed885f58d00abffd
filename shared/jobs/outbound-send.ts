// How a stored outbound message gets sent, the same way for every producer (an agent's reply, a
// bot message, a resend, the sweep). Its send job has the message's id, so queuing it again is a
// no-op while the job exists. Without `first` the job reads the message, and its sent marker,
// from what is stored (gateway/deliver-outbound.ts).
//
// A process that runs the gateway sends a fresh reply at once instead (OutboundSends.sendHere):
// no job to add, fetch and finish, only a lease in Redis so that no job sends it meanwhile. The
// stored message is what makes that durable: one still pending after a while (the process died
// mid-send) gets its job from the gateway's sweep.
import type { JobBus } from './job-bus.js';
import type { OutboundSnapshot } from './job-types.js';

export function queueOutboundSend(jobs: JobBus, messageId: string, first?: OutboundSnapshot, delayMs?: number): Promise<void> {
  return jobs.add('gateway-outbound', first ? { messageId, first } : { messageId }, { jobId: `out-${messageId}`, delayMs });
}

/** Starts sending a fresh message in this process; false when it cannot now (too many under way), and then nothing was done. */
export type SendNow = (messageId: string, first: OutboundSnapshot) => boolean;

export class OutboundSends {
  private now: SendNow | null = null;
  private readonly underWay = new Set<Promise<void>>();

  constructor(private readonly jobs: JobBus) {}

  /** From now on fresh messages are sent by this process (the gateway runs here); null to stop. */
  sendHere(now: SendNow | null): void { this.now = now; }

  /**
   * A stored, pending message: sent at once here when it carries what a first send needs and the
   * gateway runs here with room for it, else by its durable job. Resolves once either has begun.
   */
  async send(messageId: string, first?: OutboundSnapshot): Promise<void> {
    if (first && this.now?.(messageId, first)) return;
    await queueOutboundSend(this.jobs, messageId, first);
  }

  /** Tracks a send under way in this process, so that closing can wait for it. */
  track(p: Promise<void>): void {
    this.underWay.add(p);
    void p.finally(() => this.underWay.delete(p));
  }

  /** Stops taking sends and waits (at most `ms`) for those under way: each ends sent, failed, or with a job. */
  async close(ms = 15_000): Promise<void> {
    this.now = null;
    if (!this.underWay.size) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.underWay]),
      new Promise<void>((r) => { timer = setTimeout(r, ms); }),
    ]);
    clearTimeout(timer);
  }
}
