// The widget's visible part, inside a shadow root: the floating button and the chat panel
// (header with the chat's state, the transcript, notices, typing hint, message box).
import { h, icon, patchChildren } from '../../../../shared/browser/dom.js';
import type { Transcript, TranscriptEntry } from './transcript.js';
import { widgetStyles } from './widget-styles.js';

const ICON_CHAT = 'M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.5 3.4 6L4.6 21l4.3-2.3c1 .3 2 .4 3.1.4 5.5 0 10-3.6 10-8S17.5 3 12 3z';
const ICON_CLOSE = 'M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z';
const ICON_MINIMIZE = 'M5 11h14v2H5z';
const ICON_SEND = 'M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z';

export interface PanelOptions { title: string; greeting: string; accent?: string }
export interface PanelActions { toggled(open: boolean): void; send(text: string): void; retry(clientMessageId: string): void; typing(): void }

export class ChatPanel {
  private readonly panel: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly unreadDot: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly typingLine: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private shownCount = 0;

  constructor(host: HTMLElement, private readonly opts: PanelOptions, private readonly transcript: Transcript, private readonly actions: PanelActions) {
    const root = host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = widgetStyles;
    root.appendChild(style);
    if (opts.accent) host.style.setProperty('--cc-accent', opts.accent);

    this.subtitle = h('p', { class: 'subtitle', 'data-testid': 'widget-status' }, 'We usually reply within a few minutes');
    this.notice = h('p', { class: 'notice', role: 'status', 'data-testid': 'widget-notice', hidden: true });
    this.log = h('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', 'data-testid': 'widget-messages' });
    this.typingLine = h('p', { class: 'typing', 'data-testid': 'widget-typing', hidden: true },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', {}, 'Typing…'));
    this.input = h('textarea', { id: 'cc-input', rows: 1, maxlength: 4096, placeholder: 'Write a message…', 'data-testid': 'widget-input' });
    this.sendButton = h('button', { type: 'submit', class: 'send', 'aria-label': 'Send message', 'data-testid': 'widget-send' }, icon(ICON_SEND, 18));
    const form = h('form', { class: 'composer' }, h('label', { for: 'cc-input', class: 'sr-only' }, 'Your message'), this.input, this.sendButton);

    this.panel = h('section', { class: 'panel', id: 'cc-panel', role: 'dialog', 'aria-label': opts.title, 'data-testid': 'widget-panel', hidden: true },
      h('header', { class: 'head' },
        h('div', { class: 'head-avatar' }, icon(ICON_CHAT, 20)),
        h('div', { class: 'head-text' }, h('h2', { class: 'title' }, opts.title), this.subtitle),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Minimize chat', 'data-testid': 'widget-minimize', onclick: () => this.setOpen(false) }, icon(ICON_MINIMIZE, 20))),
      this.notice, this.log, this.typingLine, form,
      h('p', { class: 'footer' }, 'Powered by Contact Center'));
    this.unreadDot = h('span', { class: 'dot', hidden: true, 'data-testid': 'widget-unread' });
    this.launcher = h('button', {
      type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'cc-panel', 'data-testid': 'widget-launcher',
      onclick: () => this.setOpen(this.panel.hidden),
    }, icon(ICON_CHAT, 28), this.unreadDot);
    root.appendChild(h('div', { class: 'root' }, this.panel, this.launcher));

    form.addEventListener('submit', (ev) => { ev.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); this.submit(); }
      if (ev.key === 'Escape') this.setOpen(false);
    });
    this.input.addEventListener('input', () => { this.autoGrow(); if (this.input.value.trim()) this.actions.typing(); });
    this.render();
  }

  get isOpen(): boolean { return !this.panel.hidden; }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    this.launcher.replaceChildren(icon(open ? ICON_CLOSE : ICON_CHAT, open ? 22 : 28), this.unreadDot);
    if (open) {
      this.unreadDot.hidden = true;
      this.scrollToEnd();
      this.input.focus();
    }
    this.actions.toggled(open);
  }

  /** A reply arrived while the panel is closed. */
  markUnread(): void { if (!this.isOpen) this.unreadDot.hidden = false; }

  setSubtitle(text: string): void { this.subtitle.textContent = text; }

  setNotice(text: string | null, kind: 'info' | 'error' = 'info'): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = !text;
    this.notice.classList.toggle('is-error', kind === 'error');
  }

  showTyping(label: string, forMs = 4000): void {
    this.typingLine.lastElementChild!.textContent = label;
    this.typingLine.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => { this.typingLine.hidden = true; }, forMs);
  }

  hideTyping(): void { clearTimeout(this.typingTimer); this.typingLine.hidden = true; }

  setEnabled(enabled: boolean): void {
    this.input.disabled = !enabled;
    this.sendButton.disabled = !enabled;
  }

  render(): void {
    const entries = this.transcript.list();
    const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 60;
    const greeting = () => h('li', { class: 'msg theirs', 'data-testid': 'widget-greeting' }, h('div', { class: 'bubble' }, this.opts.greeting));
    patchChildren(this.log, [
      { key: 'greeting', signature: '', build: greeting },
      ...entries.map((e) => ({ key: e.key, signature: [e.id, e.state, e.error, e.text, e.attachments.length].join('|'), build: () => this.row(e) })),
    ]);
    const lastIsMine = entries[entries.length - 1]?.mine;
    if (entries.length !== this.shownCount && (atEnd || lastIsMine)) this.scrollToEnd();
    this.shownCount = entries.length;
  }

  private row(e: TranscriptEntry): HTMLLIElement {
    if (e.kind === 'note') return h('li', { class: 'note', 'data-testid': 'widget-note' }, e.text);
    const time = new Date(e.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return h('li', {
      class: `msg ${e.mine ? 'mine' : 'theirs'}${e.state === 'sending' ? ' is-sending' : ''}${e.state === 'failed' ? ' is-failed' : ''}`,
      'data-testid': 'widget-message', 'data-direction': e.mine ? 'in' : 'out', 'data-state': e.state, 'data-message-id': e.id ?? false,
    },
      h('span', { class: 'sr-only' }, e.mine ? 'You said:' : 'Agent said:'),
      h('div', { class: 'bubble' },
        ...e.attachments.map((a) => h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.isImage ? h('img', { src: a.url, alt: a.name }) : `📎 ${a.name}`)),
        e.text ? h('span', { 'data-testid': 'widget-message-text' }, e.text) : null),
      h('div', { class: 'meta' },
        e.state === 'sending' ? 'Sending…' : e.state === 'failed' ? h('span', { class: 'error', role: 'alert' }, e.error ?? 'Not sent.') : time,
        e.state === 'failed' && e.mine && e.clientMessageId
          ? h('button', { type: 'button', class: 'retry', 'data-testid': 'widget-retry', onclick: () => this.actions.retry(e.clientMessageId!) }, 'Try again')
          : null));
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.actions.send(text);
    this.input.value = '';
    this.autoGrow();
    this.input.focus();
  }

  private scrollToEnd(): void { this.log.scrollTop = this.log.scrollHeight; }

  private autoGrow(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }
}
