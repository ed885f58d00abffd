// The visitor's side of the conversation: stored messages deduplicated by id (the server echoes
// the visitor's own messages too), the visitor's messages shown at once while they are sent,
// and notes ("Alice joined the chat") that live only in this page.
import type { MessageView } from '../../../../shared/types/api.js';

export type EntryState = 'sending' | 'sent' | 'failed';

export interface Attachment { url: string; name: string; isImage: boolean }

export interface TranscriptEntry {
  key: string;
  kind: 'message' | 'note';
  id?: string;
  clientMessageId?: string;
  mine: boolean;
  text: string;
  attachments: Attachment[];
  createdAt: string;
  state: EntryState;
  error?: string;
  /** Display order: arrival order, which is the server's order (and immune to the visitor's clock). */
  order: number;
}

export class Transcript {
  private readonly entries = new Map<string, TranscriptEntry>();
  // The echo of the visitor's own message can overtake its acknowledgement, and only the ack says
  // which local message it is: echoes wait here while a send is in flight.
  private readonly parked = new Map<string, MessageView>();
  private inFlight = 0;
  private nextOrder = 0;
  /** The newest stored message seen: where a reconnect's `history` starts. */
  lastServerId: string | undefined;

  constructor(private readonly serverOrigin: string, private readonly onChange: () => void) {}

  list(): TranscriptEntry[] { return [...this.entries.values()].sort((a, b) => a.order - b.order); }
  get isEmpty(): boolean { return this.entries.size === 0; }

  /** A stored message (history or live). Returns true when it is new and from the company's side. */
  addServer(m: MessageView): boolean {
    this.noteServerId(m.id);
    const existing = this.entries.get(m.id);
    if (existing) {
      this.entries.set(m.id, { ...this.fromServer(m), order: existing.order });
      this.onChange();
      return false;
    }
    if (m.direction === 'in' && this.inFlight > 0) {
      this.parked.set(m.id, m);
      return false;
    }
    this.entries.set(m.id, { ...this.fromServer(m), order: this.nextOrder++ });
    this.onChange();
    return m.direction === 'out';
  }

  addLocal(clientMessageId: string, text: string): void {
    this.inFlight++;
    this.entries.set(localKey(clientMessageId), {
      key: localKey(clientMessageId), kind: 'message', clientMessageId, mine: true, text, attachments: [],
      createdAt: new Date().toISOString(), state: 'sending', order: this.nextOrder++,
    });
    this.onChange();
  }

  /** The server stored the visitor's message: the local entry becomes the stored one, in place. */
  ackOk(clientMessageId: string, m: MessageView): void {
    const local = this.entries.get(localKey(clientMessageId));
    this.entries.delete(localKey(clientMessageId));
    this.parked.delete(m.id);
    if (!this.entries.has(m.id)) this.entries.set(m.id, { ...this.fromServer(m), clientMessageId, order: local?.order ?? this.nextOrder++ });
    this.noteServerId(m.id);
    this.settle();
  }

  ackFailed(clientMessageId: string, error: string): void {
    const local = this.entries.get(localKey(clientMessageId));
    if (local) { local.state = 'failed'; local.error = error; }
    this.settle();
  }

  /** Another try of a failed message, with the same clientMessageId (the server stores it once). */
  retry(clientMessageId: string): string | undefined {
    const local = this.entries.get(localKey(clientMessageId));
    if (!local || local.state !== 'failed') return undefined;
    local.state = 'sending';
    delete local.error;
    this.inFlight++;
    this.onChange();
    return local.text;
  }

  addNote(text: string): void {
    const key = `note:${this.nextOrder}`;
    this.entries.set(key, { key, kind: 'note', mine: false, text, attachments: [], createdAt: new Date().toISOString(), state: 'sent', order: this.nextOrder++ });
    this.onChange();
  }

  /** A new visitor identity (the old token was refused): what was shown belonged to someone else. */
  clear(): void {
    this.entries.clear();
    this.parked.clear();
    this.lastServerId = undefined;
    this.onChange();
  }

  private settle(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) {
      // Echoes that no ack claimed: sent from another tab of the same visitor.
      const rest = [...this.parked.values()];
      this.parked.clear();
      for (const m of rest) if (!this.entries.has(m.id)) this.entries.set(m.id, { ...this.fromServer(m), order: this.nextOrder++ });
    }
    this.onChange();
  }

  private noteServerId(id: string): void {
    // Ids are time-ordered (UUIDv7), so the greatest is the newest.
    if (!this.lastServerId || id > this.lastServerId) this.lastServerId = id;
  }

  private fromServer(m: MessageView): Omit<TranscriptEntry, 'order'> {
    const attachments = (m.media ?? []).filter((x) => x.url).map((x) => ({
      url: new URL(x.url, this.serverOrigin).href, name: x.fileName ?? 'Attachment', isImage: x.mimeType.startsWith('image/'),
    }));
    const text = m.text ?? (attachments.length ? '' : placeholderFor(m));
    return {
      key: m.id, kind: 'message', id: m.id, mine: m.direction === 'in', text, attachments, createdAt: m.createdAt,
      state: m.status === 'failed' ? 'failed' : 'sent', ...(m.clientMessageId ? { clientMessageId: m.clientMessageId } : {}),
    };
  }
}

const localKey = (clientMessageId: string) => `local:${clientMessageId}`;

function placeholderFor(m: MessageView): string {
  switch (m.type) {
    case 'location': return `Location${m.location?.name ? `: ${m.location.name}` : ''}`;
    case 'sticker': return '[Sticker]';
    default: return `[${m.type}]`;
  }
}
