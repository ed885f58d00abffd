// The templates an agent may send in a conversation: those its channel's platform approved. Only
// for whoever may write in it (its agent, supervisors, admins), as the send itself is.
import type { Principal } from '../../shared/auth/tokens.js';
import type { Context } from '../../shared/context.js';
import type { TemplateView } from '../../shared/types/api.js';
import { listChannelTemplates } from '../../gateway/index.js';
import { assertCanWrite, loadBundle } from '../../switch/index.js';

export async function listConversationTemplates(ctx: Context, p: Principal, conversationId: string): Promise<{ templates: TemplateView[] }> {
  const { conversation } = await loadBundle(ctx, p.tenantId, conversationId);
  assertCanWrite(p, conversation);
  return { templates: await listChannelTemplates(ctx, conversation.channelId) };
}
