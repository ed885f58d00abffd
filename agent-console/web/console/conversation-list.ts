// The left column: conversations offered to the agent (accept or decline), then their own ones,
// newest activity first, with a preview, an unread badge and a typing hint. Rebuilt on each change.
import type { ConversationEntry, ConversationStore, Offer } from './conversation-store.js';
import { h } from './element.js';
import { customerName, initials, messageSummary, platformLabel, shortTime } from './labels.js';

export interface ListActions {
  select(conversationId: string): void;
  accept(conversationId: string): Promise<void>;
  decline(conversationId: string): Promise<void>;
}

export class ConversationList {
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLUListElement,
    private readonly empty: HTMLElement,
    private readonly count: HTMLElement,
    private readonly store: ConversationStore,
    private readonly actions: ListActions,
  ) {}

  render(): void {
    const entries = this.store.list();
    const offers = [...this.store.offers.values()];
    const open = entries.filter((e) => e.view.status !== 'closed').length;
    this.count.textContent = String(open);
    this.empty.hidden = entries.length + offers.length > 0;
    // Offers count down: re-render every second while there are any.
    if (offers.length && !this.ticker) this.ticker = setInterval(() => this.render(), 1000);
    if (!offers.length && this.ticker) { clearInterval(this.ticker); this.ticker = undefined; }
    // Keep keyboard focus on the same row across the rebuild.
    const active = document.activeElement;
    const focusedId = active && this.root.contains(active) ? active.closest('.conv-row')?.getAttribute('data-conversation-id') : null;
    this.root.replaceChildren(...offers.map((o) => this.offerRow(o)), ...entries.map((e) => this.row(e)));
    if (focusedId) this.root.querySelector<HTMLButtonElement>(`[data-conversation-id="${CSS.escape(focusedId)}"] button`)?.focus();
  }

  private offerRow(o: Offer): HTMLLIElement {
    const name = customerName(o.conversation);
    const last = o.messages[o.messages.length - 1];
    const seconds = Math.max(0, Math.ceil((Date.parse(o.expiresAt) - Date.now()) / 1000));
    const busy = (btn: EventTarget | null, work: Promise<void>) => {
      (btn as HTMLButtonElement).disabled = true;
      work.catch(() => undefined); // the store drops the offer either way; the live updates say why
    };
    return h('li', { class: 'conv-row', 'data-testid': 'offer-item', 'data-conversation-id': o.conversation.id },
      h('div', { class: 'offer', role: 'group', 'aria-label': `New conversation offered: ${name}` },
        h('span', { class: `avatar avatar-${o.conversation.platform}`, 'aria-hidden': 'true' }, initials(name)),
        h('span', { class: 'conv-main' },
          h('span', { class: 'conv-top' },
            h('span', { class: 'conv-name' }, name),
            h('span', { class: 'offer-timer', 'data-testid': 'offer-timer' }, `${seconds} s`)),
          h('span', { class: 'conv-preview' }, last ? messageSummary(last) : `New on ${platformLabel(o.conversation.platform)}`),
          h('span', { class: 'offer-actions' },
            h('button', { type: 'button', class: 'primary small', 'data-testid': 'offer-accept', onclick: (ev) => busy(ev.currentTarget, this.actions.accept(o.conversation.id).then(() => this.actions.select(o.conversation.id))) }, 'Accept'),
            h('button', { type: 'button', class: 'secondary small', 'data-testid': 'offer-decline', onclick: (ev) => busy(ev.currentTarget, this.actions.decline(o.conversation.id)) }, 'Decline')))));
  }

  private row(e: ConversationEntry): HTMLLIElement {
    const name = customerName(e.view);
    const messages = this.store.messagesOf(e);
    const last = messages[messages.length - 1];
    const selected = this.store.selectedId === e.view.id;
    const closed = e.view.status === 'closed';
    const typing = e.typingUntil > Date.now();
    const preview = typing ? 'typing…' : last ? `${last.direction === 'out' ? 'You: ' : ''}${messageSummary(last)}` : `Waiting on ${platformLabel(e.view.platform)}`;
    const label = `${name}, ${platformLabel(e.view.platform)}${closed ? ', closed' : ''}${e.unread ? `, ${e.unread} unread` : ''}`;
    return h('li', { class: 'conv-row', 'data-testid': 'conversation-item', 'data-conversation-id': e.view.id, 'data-status': e.view.status },
      h('button', {
        type: 'button', class: `conv${selected ? ' is-selected' : ''}${closed ? ' is-closed' : ''}${e.unread ? ' has-unread' : ''}`,
        'aria-current': selected ? 'true' : false, 'aria-label': label, onclick: () => this.actions.select(e.view.id),
      },
        h('span', { class: `avatar avatar-${e.view.platform}`, 'aria-hidden': 'true' }, initials(name)),
        h('span', { class: 'conv-main' },
          h('span', { class: 'conv-top' },
            h('span', { class: 'conv-name', 'data-testid': 'conversation-name' }, name),
            h('span', { class: 'conv-time' }, shortTime(last?.createdAt ?? e.view.lastMessageAt ?? e.view.updatedAt))),
          h('span', { class: 'conv-bottom' },
            h('span', { class: `conv-preview${typing ? ' is-typing' : ''}`, 'data-testid': 'conversation-preview' }, preview),
            closed ? h('span', { class: 'tag tag-closed' }, 'Closed') : null,
            e.unread ? h('span', { class: 'badge', 'data-testid': 'unread-badge', 'aria-hidden': 'true' }, e.unread > 99 ? '99+' : String(e.unread)) : null))));
  }
}
