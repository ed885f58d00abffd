// The console's state: the agent's conversations and their messages, merged from REST loads,
// live events, acknowledgements and reconnect syncs. No DOM here; the views subscribe to changes.
import type { ConversationView, MessageView } from '../../../shared/types/api.js';
import type { MessageStatus, TemplateRef } from '../../../shared/types/message.js';
import type { TransferInfo } from '../../../shared/types/socket-events.js';

/** A message as shown: a stored one, or a reply still waiting for its acknowledgement (`local`). */
export interface ChatMessage extends MessageView { local?: boolean }

export interface ConversationEntry {
  view: ConversationView;
  messages: Map<string, ChatMessage>;
  historyLoaded: boolean;
  unread: number;
  typingUntil: number;
  /** When something live last touched it (Date.now()), so that an older sync answer cannot drop it. */
  touchedAt: number;
  /** It was handed over by another agent (with their note), rather than taken from a queue. */
  transfer?: TransferInfo;
}

/** A conversation offered to this agent: theirs only once accepted, before `expiresAt`. */
export interface Offer { conversation: ConversationView; messages: MessageView[]; expiresAt: string }

// Statuses only move forward: a late 'pending' echo never undoes the 'sent' that overtook it.
const RANK: Record<MessageStatus, number> = { received: 0, pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const localKey = (clientMessageId: string) => `local:${clientMessageId}`;
const activityOf = (e: ConversationEntry) => e.view.lastMessageAt ?? e.view.updatedAt;

export class ConversationStore {
  private readonly entries = new Map<string, ConversationEntry>();
  private readonly listeners = new Set<() => void>();
  // A delivery status can overtake the message it is about (the send job may finish before the
  // server's message:new or our ack arrive): kept here until the message shows up.
  private readonly earlyStatus = new Map<string, { status: MessageStatus; error?: string }>();
  private notifyQueued = false;
  readonly offers = new Map<string, Offer>();
  selectedId: string | null = null;
  /** The newest message this console saw live: where a reconnect's sync starts. */
  lastMessageId: string | undefined;

  /** isOnScreen: whether the page is visible, so that messages read in a background tab count as unread. */
  constructor(readonly agentId: string, private readonly isOnScreen: () => boolean = () => true) {}

  /** Calls `fn` after each batch of changes (once per task, however many changes it made). */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of this.listeners) fn();
    });
  }

  get(id: string): ConversationEntry | undefined { return this.entries.get(id); }
  get selected(): ConversationEntry | undefined { return this.selectedId ? this.entries.get(this.selectedId) : undefined; }

  /** Open conversations first, newest activity first; closed ones stay visible below until reload. */
  list(): ConversationEntry[] {
    return [...this.entries.values()].sort((a, b) => {
      const closed = Number(a.view.status === 'closed') - Number(b.view.status === 'closed');
      return closed || activityOf(b).localeCompare(activityOf(a));
    });
  }

  /** Oldest first; ids are time-ordered, so they break ties between equal timestamps. */
  messagesOf(entry: ConversationEntry): ChatMessage[] {
    return [...entry.messages.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  isMine(view: ConversationView): boolean { return view.status === 'assigned' && view.agentId === this.agentId; }

  upsertConversation(view: ConversationView): ConversationEntry {
    let entry = this.entries.get(view.id);
    if (entry) {
      entry.view = { ...view, lastMessageAt: laterOf(view.lastMessageAt, entry.view.lastMessageAt) };
    } else {
      entry = { view, messages: new Map(), historyLoaded: false, unread: 0, typingUntil: 0, touchedAt: 0 };
      this.entries.set(view.id, entry);
    }
    entry.touchedAt = Date.now();
    this.changed();
    return entry;
  }

  /**
   * After a full load or a sync: `open` is every conversation assigned to the agent now. One we
   * still list as open but that is not there was closed or transferred while we were away,
   * unless a live event touched it after the request left (`requestedAt`): then the answer is older.
   */
  reconcileOpen(open: ConversationView[], requestedAt: number): void {
    const ids = new Set(open.map((c) => c.id));
    for (const [id, entry] of this.entries) {
      if (entry.view.status !== 'closed' && !ids.has(id) && entry.touchedAt < requestedAt) this.dropOrClose(id);
    }
    for (const view of open) this.upsertConversation(view);
    this.changed();
  }

  /**
   * Merges messages. `live` ones just arrived: they count as unread when their conversation is
   * not on screen, and they move the sync point forward.
   */
  addMessages(conversationId: string, messages: MessageView[], live: boolean): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    if (live) entry.touchedAt = Date.now();
    for (const m of messages) {
      const isNew = this.merge(entry, m);
      if (live) this.lastMessageId = m.id;
      if (isNew && live && m.direction === 'in' && (this.selectedId !== conversationId || !this.isOnScreen())) entry.unread++;
      if (isNew && m.direction === 'in') entry.typingUntil = 0; // the message they were typing arrived
      entry.view = { ...entry.view, lastMessageAt: laterOf(m.createdAt, entry.view.lastMessageAt) };
    }
    this.changed();
  }

  private merge(entry: ConversationEntry, incoming: MessageView): boolean {
    let m = incoming;
    const early = this.earlyStatus.get(m.id);
    if (early) {
      this.earlyStatus.delete(m.id);
      if (RANK[early.status] > RANK[m.status]) m = { ...m, status: early.status, ...(early.error ? { error: early.error } : {}) };
    }
    if (m.clientMessageId) entry.messages.delete(localKey(m.clientMessageId));
    const existing = entry.messages.get(m.id);
    if (existing && RANK[existing.status] > RANK[m.status]) {
      entry.messages.set(m.id, { ...m, status: existing.status, error: existing.error });
    } else {
      entry.messages.set(m.id, m);
    }
    return !existing;
  }

  /** Shows the agent's reply (text, or a template with the text it reads as) at once, before the server has it. */
  addPending(conversationId: string, clientMessageId: string, text: string, template?: TemplateRef): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    entry.messages.set(localKey(clientMessageId), {
      id: localKey(clientMessageId), conversationId, direction: 'out', sender: 'agent', agentId: this.agentId,
      type: 'text', text, ...(template ? { template } : {}), status: 'pending', clientMessageId, createdAt: new Date().toISOString(), local: true,
    });
    this.changed();
  }

  /** The reply was refused or never acknowledged: it stays on screen as failed, to retry. */
  failPending(conversationId: string, clientMessageId: string, error: string): void {
    const m = this.entries.get(conversationId)?.messages.get(localKey(clientMessageId));
    if (!m) return;
    m.status = 'failed';
    m.error = error;
    this.changed();
  }

  /** A failed local reply goes back to pending for another try (same clientMessageId: sent once). */
  retryPending(conversationId: string, clientMessageId: string): ChatMessage | undefined {
    const m = this.entries.get(conversationId)?.messages.get(localKey(clientMessageId));
    if (!m) return undefined;
    m.status = 'pending';
    delete m.error;
    this.changed();
    return m;
  }

  setStatus(conversationId: string, messageId: string, status: MessageStatus, error?: string): void {
    const m = this.entries.get(conversationId)?.messages.get(messageId);
    if (!m) {
      if (this.earlyStatus.size > 500) this.earlyStatus.clear(); // statuses of messages never shown here: forget them
      this.earlyStatus.set(messageId, { status, ...(error ? { error } : {}) });
      return;
    }
    if (RANK[m.status] >= RANK[status]) return;
    m.status = status;
    if (error) m.error = error;
    this.changed();
  }

  markClosed(conversationId: string): void {
    const entry = this.entries.get(conversationId);
    if (!entry || entry.view.status === 'closed') return;
    entry.view = { ...entry.view, status: 'closed', closedAt: new Date().toISOString() };
    entry.typingUntil = 0;
    entry.unread = 0;
    this.changed();
  }

  /** A conversation that is no longer ours (transferred): gone from the list, unless on screen. */
  dropOrClose(conversationId: string): void {
    if (this.selectedId === conversationId) this.markClosed(conversationId);
    else this.entries.delete(conversationId);
    this.changed();
  }

  select(conversationId: string | null): void {
    this.selectedId = conversationId;
    const entry = conversationId ? this.entries.get(conversationId) : undefined;
    if (entry) entry.unread = 0;
    this.changed();
  }

  markHistoryLoaded(conversationId: string): void {
    const entry = this.entries.get(conversationId);
    if (entry) { entry.historyLoaded = true; this.changed(); }
  }

  /** The customer is typing: shown for a few seconds unless they type again. */
  setTyping(conversationId: string, forMs = 4000): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    entry.typingUntil = Date.now() + forMs;
    this.changed();
    setTimeout(() => this.changed(), forMs + 50);
  }

  addOffer(offer: Offer): void {
    this.offers.set(offer.conversation.id, offer);
    this.changed();
  }

  removeOffer(conversationId: string): Offer | undefined {
    const offer = this.offers.get(conversationId);
    if (offer) { this.offers.delete(conversationId); this.changed(); }
    return offer;
  }

  setTransfer(conversationId: string, transfer: TransferInfo): void {
    const entry = this.entries.get(conversationId);
    if (entry) { entry.transfer = transfer; this.changed(); }
  }

  totalUnread(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.unread;
    return n + this.offers.size;
  }
}

function laterOf(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
}
