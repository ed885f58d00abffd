// Keeps the store true to the server: the first load over REST, live /agent events, and on every
// reconnect the agent's status again plus a `sync` from the last message seen (DESIGN.md rule 5).
import type { AgentStatus, ConversationView, MessageView } from '../../../shared/types/api.js';
import type { ApiClient } from './api-client.js';
import { call, handshakeErrorCode, SocketCallError, type AgentSocket } from './agent-socket.js';
import type { ConversationStore } from './conversation-store.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface LiveHooks {
  desiredStatus(): AgentStatus;
  onStatusApplied(status: AgentStatus): void;
  onConnection(state: ConnectionState, detail?: string): void;
  onAuthFailed(): void;
  onError(message: string): void;
  /** The first load finished: the page may restore the conversation that was open before a reload. */
  onFirstLoad(): void;
  /** The server changed the agent's status (for example after missed offers). */
  onServerStatus(status: AgentStatus, reason: string): void;
}

export interface LiveActions {
  open(conversationId: string): void;
  accept(conversationId: string): Promise<void>;
  decline(conversationId: string): Promise<void>;
}

// conversation:assigned carries the last 50 messages (switch/conversation-store.ts): fewer means all.
const ASSIGNED_MESSAGES = 50;

export function bindLiveUpdates(socket: AgentSocket, store: ConversationStore, api: ApiClient, hooks: LiveHooks): LiveActions {
  let loaded = false;
  const loadingHistory = new Set<string>();

  socket.on('connect', () => {
    hooks.onConnection('connected');
    // The server sets an agent offline when their last socket goes, so every (re)connect says again.
    // An answer is shown only while it answers what the agent still wants: had they chosen another
    // status meanwhile, an old answer would overwrite their choice until the newer one's arrived.
    const asked = hooks.desiredStatus();
    void call(socket, 'agent:status', { status: asked })
      .then((r) => { if (hooks.desiredStatus() === asked) hooks.onStatusApplied(r.status); })
      .catch((err: Error) => hooks.onError(`Your status could not be set: ${err.message}`));
    const work = loaded ? catchUp() : firstLoad();
    work.catch((err: Error) => hooks.onError(`Could not load your conversations: ${err.message}`));
  });

  socket.on('disconnect', (reason) => {
    hooks.onConnection('reconnecting');
    if (reason === 'io server disconnect') socket.connect(); // the server let go; the client will not retry by itself
  });

  socket.on('connect_error', (err) => {
    if (handshakeErrorCode(err) === 'unauthenticated') { hooks.onAuthFailed(); return; }
    hooks.onConnection('reconnecting', err.message);
  });

  socket.on('conversation:assigned', ({ conversation, messages, transfer }) => {
    store.removeOffer(conversation.id);
    adopt(conversation, messages);
    if (transfer) store.setTransfer(conversation.id, transfer);
  });

  // Queues with offers: the conversation is the agent's only once they accept it in time.
  socket.on('conversation:offered', ({ conversation, messages, expiresAt }) => store.addOffer({ conversation, messages, expiresAt }));
  socket.on('conversation:offer-expired', ({ conversationId, reason }) => {
    if (store.removeOffer(conversationId) && reason === 'timeout') hooks.onError('An offered conversation went to another agent: it was not accepted in time.');
  });
  socket.on('agent:status', ({ status, reason }) => hooks.onServerStatus(status, reason));

  socket.on('message:new', ({ conversationId, message }) => {
    if (store.get(conversationId)) store.addMessages(conversationId, [message], true);
    else void adoptConversation(conversationId, message);
  });

  socket.on('message:status', ({ conversationId, messageId, status, error }) => store.setStatus(conversationId, messageId, status, error));
  // An attachment of a stored message was fetched (or became unavailable): the same message, newer content.
  socket.on('message:updated', ({ conversationId, message }) => store.addMessages(conversationId, [message], false));

  socket.on('conversation:updated', ({ conversation }) => {
    if (store.isMine(conversation)) store.upsertConversation(conversation);
    else if (conversation.status === 'closed') store.markClosed(conversation.id);
    else store.dropOrClose(conversation.id); // transferred to someone else
  });

  socket.on('conversation:closed', ({ conversationId }) => store.markClosed(conversationId));
  socket.on('typing', ({ conversationId }) => store.setTyping(conversationId));

  /** A conversation that is now the agent's, with its latest messages (all of them when fewer than a page). */
  function adopt(conversation: ConversationView, messages: MessageView[]): void {
    store.upsertConversation(conversation);
    store.addMessages(conversation.id, messages, true);
    if (messages.length < ASSIGNED_MESSAGES) store.markHistoryLoaded(conversation.id);
  }

  /** A message for a conversation we do not list yet (assigned while this page loaded). */
  async function adoptConversation(conversationId: string, message: MessageView): Promise<void> {
    try {
      const view = await api.conversation(conversationId);
      if (!store.isMine(view)) return;
      store.upsertConversation(view);
      await loadHistory(conversationId);
      store.addMessages(conversationId, [message], true);
    } catch (err) {
      hooks.onError(`A new message could not be shown: ${(err as Error).message}`);
    }
  }

  async function firstLoad(): Promise<void> {
    const conversations = await api.assignedConversations();
    // Upsert only: an assignment that arrived live while this request ran must not be dropped.
    for (const c of conversations) store.upsertConversation(c);
    await Promise.all(conversations.map((c) => loadHistory(c.id).catch(() => undefined)));
    loaded = true;
    hooks.onFirstLoad();
  }

  async function catchUp(): Promise<void> {
    const requestedAt = Date.now();
    let r;
    try {
      r = await call(socket, 'sync', { afterMessageId: store.lastMessageId });
    } catch (err) {
      // The message we last saw is unknown to the server (for example a restored database): full refresh.
      if (!(err instanceof SocketCallError && err.code === 'bad_request' && store.lastMessageId)) throw err;
      store.lastMessageId = undefined;
      r = await call(socket, 'sync', {});
    }
    store.reconcileOpen(r.conversations, requestedAt);
    const byConversation = new Map<string, MessageView[]>();
    for (const m of r.messages) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m]);
    for (const [id, messages] of byConversation) store.addMessages(id, messages, true);
    const selected = store.selected;
    if (selected && !selected.historyLoaded) await loadHistory(selected.view.id);
  }

  /** The whole history of one conversation (when it is opened, or on the first load). */
  async function loadHistory(conversationId: string): Promise<void> {
    const messages = await api.messages(conversationId);
    store.addMessages(conversationId, messages, false);
    store.markHistoryLoaded(conversationId);
  }

  return {
    async accept(conversationId) {
      const offer = store.offers.get(conversationId);
      try {
        const r = await call(socket, 'conversation:accept', { conversationId });
        adopt(r.conversation, offer?.messages ?? []);
      } finally {
        store.removeOffer(conversationId); // accepted, or no longer offered: either way not an offer now
      }
    },
    async decline(conversationId) {
      try {
        await call(socket, 'conversation:decline', { conversationId });
      } finally {
        store.removeOffer(conversationId);
      }
    },
    /** Shows a conversation, loading its history the first time. */
    open(conversationId: string): void {
      store.select(conversationId);
      const entry = store.get(conversationId);
      if (!entry || entry.historyLoaded || loadingHistory.has(conversationId)) return;
      loadingHistory.add(conversationId);
      loadHistory(conversationId)
        .catch((err: Error) => hooks.onError(`The messages could not be loaded: ${err.message}`))
        .finally(() => loadingHistory.delete(conversationId));
    },
  };
}
