// One factory for every durable job queue (BullMQ on Redis), as Outline's createQueue: job
// defaults, retention, final-attempt-only failure logs and shutdown in one place.
import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { JobPayloads, JobQueueName } from './job-types.js';

export interface JobOptions {
  jobId?: string; delayMs?: number; attempts?: number; priority?: number;
  /** Coalesce: while a job with this id waits, adding another is a no-op; one added while it runs runs once after it. */
  coalesceId?: string;
}
export type Processor<N extends JobQueueName> = (data: JobPayloads[N], job: Job<JobPayloads[N]>, token?: string) => Promise<void>;

const DEFAULTS = {
  attempts: 8,
  removeOnComplete: { age: 3600, count: 20000 },   // kept a while: a redelivered jobId within it is not run again
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export class JobBus {
  private readonly queues = new Map<JobQueueName, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = []; // each worker's own: BullMQ leaves a connection it was given open

  constructor(
    private readonly redis: Redis, private readonly prefix: string, private readonly logger: Logger,
    private readonly concurrency: number, private readonly backoffMs = 1000,
  ) {}

  private queue(name: JobQueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      // Exponential backoff with jitter, so that many jobs failing together do not retry in lockstep.
      const backoff = { type: 'exponential', delay: this.backoffMs, jitter: 0.5 };
      q = new Queue(name, { connection: this.redis, prefix: this.prefix, defaultJobOptions: { ...DEFAULTS, backoff } });
      q.on('error', (err) => this.logger.error({ err, queue: name }, 'job queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  /** Adds a job durably (resolves once Redis has it). The same jobId twice is one job. */
  async add<N extends JobQueueName>(name: N, data: JobPayloads[N], opts: JobOptions = {}): Promise<void> {
    await this.queue(name).add(name, data, {
      jobId: opts.jobId, delay: opts.delayMs, attempts: opts.attempts ?? DEFAULTS.attempts, priority: opts.priority,
      ...(opts.coalesceId ? { deduplication: { id: opts.coalesceId, keepLastIfActive: true } } : {}),
    });
  }

  /** Removes a waiting or delayed job (a cancelled timer); a job already running is left to finish. */
  async cancel(name: JobQueueName, jobId: string): Promise<void> {
    await this.queue(name).remove(jobId).catch(() => 0);
  }

  /** Runs a processor for a queue; failures are retried with backoff and logged on the last attempt only. */
  work<N extends JobQueueName>(name: N, processor: Processor<N>, options: Partial<WorkerOptions> = {}): Worker {
    const connection = this.redis.duplicate();
    this.connections.push(connection);
    const worker = new Worker<JobPayloads[N]>(name, (job, token) => processor(job.data, job, token), {
      connection, prefix: this.prefix, concurrency: this.concurrency, ...options,
    });
    worker.on('failed', (job, err) => {
      const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) this.logger.error({ err, queue: name, jobId: job?.id }, 'job failed for good');
      else this.logger.debug({ err: err.message, queue: name, jobId: job?.id }, 'job failed, will retry');
    });
    worker.on('error', (err) => this.logger.error({ err, queue: name }, 'worker error'));
    this.workers.push(worker);
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connections.forEach((c) => c.disconnect());
  }
}
