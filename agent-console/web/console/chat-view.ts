// The right pane: the selected conversation's header, its messages (with each reply's delivery
// status), the typing hint, the reply box and the close button with its inline confirmation; on
// WhatsApp, the template picker and a notice once the 24-hour window has closed.
import type { ChatMessage, ConversationEntry, ConversationStore } from './conversation-store.js';
import { byId, h, patchChildren, type KeyedChild } from './element.js';
import { customerName, messageSummary, platformLabel, shortTime, statusLabel } from './labels.js';
import { attachmentElement, cachedLinks, type LinkSource, type MediaLink } from './attachments.js';
import { serviceWindowClosesAt } from './service-window.js';
import { TemplatePicker, type TemplateSource } from './template-picker.js';

export interface ChatActions extends TemplateSource {
  send(conversationId: string, text: string): void;
  retry(conversationId: string, clientMessageId: string): void;
  close(conversationId: string): Promise<void>;
  typing(conversationId: string): void;
  /** A short-lived link to show an attachment with (the page's requests cannot carry the token). */
  mediaLink(mediaId: string): Promise<MediaLink>;
}

export class ChatView {
  private readonly empty = byId('chat-empty');
  private readonly pane = byId('chat');
  private readonly title = byId('chat-title');
  private readonly subtitle = byId('chat-subtitle');
  private readonly list = byId<HTMLOListElement>('message-list');
  private readonly typing = byId('typing-indicator');
  private readonly closedBanner = byId('closed-banner');
  private readonly transferBanner = byId('transfer-banner');
  private readonly closeButton = byId<HTMLButtonElement>('close-button');
  private readonly confirmBar = byId('close-confirm');
  private readonly form = byId<HTMLFormElement>('reply-form');
  private readonly input = byId<HTMLTextAreaElement>('reply-input');
  private readonly sendButton = byId<HTMLButtonElement>('send-button');
  private readonly error = byId('chat-error');
  private readonly windowBanner = byId('window-banner');
  private readonly templateButton = byId<HTMLButtonElement>('template-button');
  private readonly picker: TemplatePicker;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly drafts = new Map<string, string>();
  private shownId: string | null = null;
  private shownCount = 0;
  private readonly links: LinkSource;

  constructor(private readonly store: ConversationStore, private readonly actions: ChatActions) {
    this.links = cachedLinks((id) => actions.mediaLink(id));
    this.picker = new TemplatePicker(actions);
    byId('window-template-button').addEventListener('click', () => this.picker.open());
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (ev) => {
      // Enter sends, Shift+Enter starts a new line (what agents expect from chat tools).
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); this.submit(); }
    });
    this.input.addEventListener('input', () => {
      this.autoGrow();
      if (this.shownId && this.input.value.trim()) this.actions.typing(this.shownId);
    });
    this.closeButton.addEventListener('click', () => this.toggleConfirm(true));
    byId('close-confirm-no').addEventListener('click', () => this.toggleConfirm(false));
    byId('close-confirm-yes').addEventListener('click', () => void this.confirmClose());
  }

  render(): void {
    const entry = this.store.selected;
    this.empty.hidden = !!entry;
    this.pane.hidden = !entry;
    if (!entry) { this.switchTo(null); this.picker.showFor(null); return; }
    if (entry.view.id !== this.shownId) this.switchTo(entry);

    const closed = entry.view.status === 'closed';
    this.title.textContent = customerName(entry.view);
    this.subtitle.textContent = `${platformLabel(entry.view.platform)} · ${closed ? 'Closed' : 'Assigned to you'}`;
    this.pane.dataset.conversationId = entry.view.id;
    this.pane.dataset.status = entry.view.status;
    this.closeButton.hidden = closed;
    if (closed) this.toggleConfirm(false);
    this.closedBanner.hidden = !closed;
    const t = entry.transfer;
    this.transferBanner.hidden = !t || closed;
    this.transferBanner.textContent = t ? `Transferred to you by a colleague${t.note ? `: “${t.note}”` : '.'}` : '';
    this.input.disabled = closed;
    this.sendButton.disabled = closed;
    const windowClosed = this.renderServiceWindow(entry, closed);
    this.input.placeholder = closed ? 'This conversation is closed.'
      : windowClosed ? 'The 24-hour window is closed: send a template (the Template button) to reach the customer.'
      : `Reply to ${customerName(entry.view)}…  (Enter to send, Shift+Enter for a new line)`;
    this.typing.hidden = !(entry.typingUntil > Date.now());
    this.renderMessages(entry);
  }

  /**
   * Templates are WhatsApp's: the button and picker show on open WhatsApp conversations, and the
   * notice once the customer's last message is more than 24 hours old. True when it is.
   */
  private renderServiceWindow(entry: ConversationEntry, closed: boolean): boolean {
    const whatsapp = entry.view.platform === 'whatsapp' && !closed;
    this.templateButton.hidden = !whatsapp;
    this.picker.showFor(whatsapp ? entry.view.id : null);
    clearTimeout(this.windowTimer);
    const closesAt = whatsapp && entry.historyLoaded ? serviceWindowClosesAt(this.store.messagesOf(entry)) : null;
    const windowClosed = closesAt !== null && closesAt <= Date.now();
    // Open now: look again when it closes, as no event will say so.
    if (closesAt !== null && !windowClosed) this.windowTimer = setTimeout(() => this.render(), closesAt - Date.now() + 250);
    this.windowBanner.hidden = !windowClosed;
    return windowClosed;
  }

  showError(text: string | null): void {
    this.error.textContent = text ?? '';
    this.error.hidden = !text;
  }

  private switchTo(entry: ConversationEntry | null): void {
    if (this.shownId) this.drafts.set(this.shownId, this.input.value);
    this.shownId = entry?.view.id ?? null;
    this.shownCount = -1;
    this.input.value = (entry && this.drafts.get(entry.view.id)) ?? '';
    this.autoGrow();
    this.toggleConfirm(false);
    this.showError(null);
  }

  private renderMessages(entry: ConversationEntry): void {
    const messages = this.store.messagesOf(entry);
    const nearBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80;
    const rows: KeyedChild[] = [];
    let day = '';
    const closed = entry.view.status === 'closed';
    const name = customerName(entry.view);
    for (const m of messages) {
      const d = new Date(m.createdAt).toDateString();
      if (d !== day) {
        day = d;
        const label = dayLabel(m.createdAt);
        rows.push({ key: `day:${d}`, signature: label, build: () => h('li', { class: 'day', role: 'presentation' }, h('span', {}, label)) });
      }
      const signature = [m.status, m.error, m.text, m.media?.map((x) => x.id + (x.pending ? '…' : '') + (x.unavailable ? '!' : '')).join(','), closed, name].join('|');
      rows.push({ key: m.id, signature, build: () => this.messageRow(entry, m) });
    }
    if (!entry.historyLoaded && messages.length === 0) rows.push({ key: 'hint', signature: 'loading', build: () => h('li', { class: 'hint' }, 'Loading messages…') });
    else if (messages.length === 0) rows.push({ key: 'hint', signature: 'empty', build: () => h('li', { class: 'hint' }, 'No messages yet.') });
    if (this.shownCount < 0) this.list.replaceChildren(); // another conversation: nothing to keep
    patchChildren(this.list, rows);
    // Follow new messages when the agent is at the bottom (or just opened the conversation, or
    // just sent one); leave the scroll alone while they read older ones.
    const lastIsMine = messages[messages.length - 1]?.local === true;
    if (this.shownCount < 0 || (messages.length !== this.shownCount && (nearBottom || lastIsMine))) this.list.scrollTop = this.list.scrollHeight;
    this.shownCount = messages.length;
  }

  private messageRow(entry: ConversationEntry, m: ChatMessage): HTMLLIElement {
    const side = m.sender === 'system' ? 'system' : m.direction === 'out' ? 'out' : 'in';
    const who = m.sender === 'customer' ? customerName(entry.view) : m.sender === 'bot' ? 'Bot' : m.sender === 'agent' ? (m.agentId === this.store.agentId ? 'You' : 'Another agent') : 'System';
    const status = side === 'out' ? statusLabel(m) : '';
    const canRetry = m.local && m.status === 'failed' && m.clientMessageId && entry.view.status !== 'closed';
    return h('li', {
      class: `msg msg-${side}${m.status === 'failed' ? ' is-failed' : ''}${m.status === 'pending' ? ' is-pending' : ''}`,
      'data-testid': 'message', 'data-message-id': m.local ? false : m.id, 'data-direction': m.direction, 'data-sender': m.sender, 'data-status': m.status,
    },
      h('span', { class: 'sr-only' }, `${who}:`),
      h('div', { class: 'bubble' },
        m.media?.length ? h('div', { class: 'attachments' }, ...m.media.map((x) => attachmentElement(x, this.links))) : null,
        m.text || !m.media?.length ? h('p', { class: 'msg-text', 'data-testid': 'message-text' }, messageSummary(m)) : null),
      h('div', { class: 'msg-meta' },
        h('time', { datetime: m.createdAt }, shortTime(m.createdAt)),
        status ? h('span', { class: `msg-status status-${m.status}`, 'data-testid': 'message-status' }, status) : null,
        m.status === 'failed' && m.error ? h('span', { class: 'msg-error' }, m.error) : null,
        canRetry ? h('button', { type: 'button', class: 'link', 'data-testid': 'retry-button', onclick: () => this.actions.retry(entry.view.id, m.clientMessageId!) }, 'Retry') : null));
  }

  private submit(): void {
    const id = this.shownId;
    const text = this.input.value.trim();
    if (!id || !text || this.input.disabled) return;
    this.actions.send(id, text);
    this.input.value = '';
    this.drafts.delete(id);
    this.autoGrow();
    this.showError(null);
    this.input.focus();
  }

  private toggleConfirm(show: boolean): void {
    this.confirmBar.hidden = !show;
    this.closeButton.setAttribute('aria-expanded', String(show));
    if (show) byId('close-confirm-yes').focus();
  }

  private async confirmClose(): Promise<void> {
    if (!this.shownId) return;
    const yes = byId<HTMLButtonElement>('close-confirm-yes');
    yes.disabled = true;
    try {
      await this.actions.close(this.shownId);
      this.toggleConfirm(false);
    } catch (err) {
      this.showError(`Could not close the conversation: ${(err as Error).message}`);
    } finally {
      yes.disabled = false;
    }
  }

  private autoGrow(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }
}

function dayLabel(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === new Date(today.getTime() - 86_400_000).toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long' });
}
