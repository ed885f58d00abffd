// Every Redis key of the queue machine. A tenant's keys share the hash tag {tenantId}, so
// that on Redis Cluster one tenant's atomic scripts touch a single slot.
// The Lua scripts build the same names from the prefix: keep both in step.
export class QueueKeys {
  readonly prefix: string;
  constructor(redisPrefix: string, readonly tenantId: string) { this.prefix = `${redisPrefix}:qm:{${tenantId}}:`; }
  waiting(queueId: string) { return `${this.prefix}q:${queueId}:waiting`; }
  queueAgents(queueId: string) { return `${this.prefix}q:${queueId}:agents`; }
  queueConfig(queueId: string) { return `${this.prefix}q:${queueId}:cfg`; }
  queueSkills(queueId: string) { return `${this.prefix}q:${queueId}:skills`; }
  /** Recent outcomes for the service level: member "conversationId|waitMs|a(nswered) or x (abandoned, overflowed)", score = when. */
  serviceSamples(queueId: string) { return `${this.prefix}q:${queueId}:sl`; }
  /** Recent handling times, newest first: "endedAt|durationMs". */
  handleTimes(queueId: string) { return `${this.prefix}q:${queueId}:aht`; }
  agent(agentId: string) { return `${this.prefix}agent:${agentId}`; }
  agentSkills(agentId: string) { return `${this.prefix}agent:${agentId}:skills`; }
  agentQueues(agentId: string) { return `${this.prefix}agent:${agentId}:queues`; }
  agentConvs(agentId: string) { return `${this.prefix}agent:${agentId}:convs`; }
  conversation(conversationId: string) { return `${this.prefix}conv:${conversationId}`; }
  pending() { return `${this.prefix}pending`; }
  queues() { return `${this.prefix}queues`; }
  agents() { return `${this.prefix}agents`; }
  sequence() { return `${this.prefix}seq`; }
  /** Set once the tenant's state was rebuilt from the database (Redis may have been emptied). */
  restored() { return `${this.prefix}restored`; }
}
