// The console's REST calls (API.md), typed with the shared DTOs. Errors become ApiError with the
// server's code and sentence, so that the page can show what the agent can do about it.
import type { AgentView, ConversationView, ErrorBody, MessageView, TemplateView } from '../../../shared/types/api.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) { super(message); }
}

export interface LoginResult { token: string; agent: AgentView }

async function request<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let parsed: unknown;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (!res.ok) {
    const err = (parsed as { error?: ErrorBody } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `The server answered ${res.status}. Try again in a moment.`, err?.details);
  }
  return parsed as T;
}

export function login(tenant: string, email: string, password: string): Promise<LoginResult> {
  return request<LoginResult>('POST', '/api/v1/auth/login', null, { tenant, email, password });
}

export class ApiClient {
  /** onUnauthorized: the token expired or was revoked; the page signs the agent out. */
  constructor(private readonly token: string, private readonly onUnauthorized: () => void) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await request<T>(method, path, this.token, body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized();
      throw err;
    }
  }

  /** Every conversation assigned to this agent, following the cursor (newest activity first). */
  async assignedConversations(): Promise<ConversationView[]> {
    const all: ConversationView[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const q = new URLSearchParams({ status: 'assigned', limit: '200' });
      if (cursor) q.set('cursor', cursor);
      const r: { items: ConversationView[]; nextCursor: string | null } = await this.call('GET', `/api/v1/conversations?${q}`);
      all.push(...r.items);
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return all;
  }

  conversation(id: string): Promise<ConversationView> {
    return this.call('GET', `/api/v1/conversations/${encodeURIComponent(id)}`);
  }

  /** The approved WhatsApp templates the agent may send in this conversation. */
  async templates(conversationId: string): Promise<TemplateView[]> {
    const r: { templates: TemplateView[] } = await this.call('GET', `/api/v1/conversations/${encodeURIComponent(conversationId)}/templates`);
    return r.templates;
  }

  /** A signed link to one attachment (and its thumbnail), valid a few minutes. */
  mediaLink(mediaId: string): Promise<{ url: string; thumbnailUrl?: string; expiresAt: string }> {
    return this.call('GET', `/api/v1/media/${encodeURIComponent(mediaId)}/link`);
  }

  /** The whole history, oldest first; the endpoint pages from the oldest, so follow it to the end. */
  async messages(conversationId: string): Promise<MessageView[]> {
    const all: MessageView[] = [];
    const pageSize = 500;
    for (let page = 0; page < 20; page++) {
      const q = new URLSearchParams({ limit: String(pageSize) });
      const after = all[all.length - 1]?.id;
      if (after) q.set('after', after);
      const r: { items: MessageView[] } = await this.call('GET', `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages?${q}`);
      all.push(...r.items);
      if (r.items.length < pageSize) break;
    }
    return all;
  }
}
