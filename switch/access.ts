// Who may see and act on a conversation (DESIGN.md, multi-tenancy and access).
import type { Principal } from '../shared/auth/tokens.js';
import { hasRole } from '../shared/auth/tokens.js';
import type { Conversation } from '../shared/db/entities/index.js';
import { AppError } from '../shared/errors.js';

/** Supervisors and admins see every conversation of their tenant; an agent those assigned to them or waiting in their queues. */
export function canRead(p: Principal, c: Conversation, agentQueueIds: string[]): boolean {
  if (c.tenantId !== p.tenantId) return false;
  if (hasRole(p, 'supervisor')) return true;
  return c.agentId === p.userId || (c.status === 'queued' && c.queueId !== null && agentQueueIds.includes(c.queueId));
}

/** Writing (replying, transferring, closing) needs the conversation to be yours, or a supervisor. */
export function assertCanWrite(p: Principal, c: Conversation): void {
  if (c.status === 'closed') throw new AppError('conflict', 'This conversation is closed; the customer starts a new one by writing again.');
  if (hasRole(p, 'supervisor') || c.agentId === p.userId) return;
  throw new AppError('forbidden', 'This conversation is not assigned to you; ask a supervisor to transfer it.');
}
