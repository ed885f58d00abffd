// How a stored outbound message gets sent, the same way for every producer (an agent's reply, a
// bot message, a resend, the sweep). Its send job has the message's id, so queuing it again is a
// no-op while the job exists. Without `first` the job reads the message, and its sent marker,
// from what is stored (gateway/deliver-outbound.ts).
//
// A process that runs the gateway sends a fresh reply at once instead (OutboundSends.sendHere):
// no job to add, fetch and finish, only a lease in Redis so that no job sends it meanwhile. The
// stored message is what makes that durable: one still pending after a while (the process died
// mid-send) gets its job from the gateway's sweep. A producer may claim that lease before it
// stores the message (OutboundSends.claim): then nothing else can have sent it in between, and
// the send at once need not read it back.
import type { JobBus } from './job-bus.js';
import type { OutboundSnapshot } from './job-types.js';

export function queueOutboundSend(jobs: JobBus, messageId: string, first?: OutboundSnapshot, delayMs?: number): Promise<void> {
  return jobs.add('gateway-outbound', first ? { messageId, first } : { messageId }, { jobId: `out-${messageId}`, delayMs });
}

/**
 * The send lease of a message not stored yet, held by the process that is storing it. Given back
 * when the message is not sent at once after all (not stored, a resend, no room): its job, if any,
 * must be able to take it.
 */
export interface SendClaim {
  /** Never rejects: a claim that cannot be given back (Redis away) runs out by itself. */
  giveBack(): Promise<void>;
}

/** How a process that runs the gateway sends fresh messages at once. */
export interface SendHere {
  /** Claims the send of a message about to be stored; null when it cannot (Redis refused), and then nothing was done. */
  claim(messageId: string): Promise<SendClaim | null>;
  /**
   * Starts sending a fresh message in this process, with the claim made for it before it was
   * stored if there is one; false when it cannot now (too many under way), and then nothing was
   * done (the claim is still held).
   */
  start(messageId: string, first: OutboundSnapshot, claim?: SendClaim): boolean;
}

export class OutboundSends {
  private now: SendHere | null = null;
  private readonly underWay = new Set<Promise<void>>();

  constructor(private readonly jobs: JobBus) {}

  /** From now on fresh messages are sent by this process (the gateway runs here); null to stop. */
  sendHere(now: SendHere | null): void { this.now = now; }

  /**
   * Claims the send of a message this process is about to store, if it sends at once: call it
   * before storing, and hand the claim to send(), or give it back if the message is not stored.
   * Null where the gateway does not run here, or when Redis refused (the message then goes the
   * usual way: its send at once reads it back first).
   */
  async claim(messageId: string): Promise<SendClaim | null> {
    if (!this.now) return null;
    return this.now.claim(messageId).catch(() => null);
  }

  /**
   * A stored, pending message: sent at once here when it carries what a first send needs and the
   * gateway runs here with room for it, else by its durable job. Resolves once either has begun.
   */
  async send(messageId: string, first?: OutboundSnapshot, claim?: SendClaim | null): Promise<void> {
    if (first && this.now?.start(messageId, first, claim ?? undefined)) return;
    // Its job takes the lease: a claim kept would only make it wait until the claim ran out.
    await claim?.giveBack();
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
