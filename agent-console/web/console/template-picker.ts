// The WhatsApp template picker beside the composer: the channel's approved templates (name,
// language, wording), one labelled field per {{n}} of the chosen one with a live preview, and Send.
// Past WhatsApp's 24-hour window a template is the only message that reaches the customer.
import type { TemplateView } from '../../../shared/types/api.js';
import type { TemplateRef } from '../../../shared/types/message.js';
import { byId, h } from './element.js';

export interface TemplateSource {
  /** The conversation's approved templates; rejects with a sentence the agent can act on. */
  templates(conversationId: string): Promise<TemplateView[]>;
  /** Sends the filled template as the agent's reply (as the composer sends text). */
  sendTemplate(conversationId: string, template: TemplateRef): void;
}

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;

export class TemplatePicker {
  private readonly panel = byId('template-picker');
  private readonly list = byId<HTMLUListElement>('template-list');
  private readonly detail = byId('template-detail');
  private readonly status = byId('template-status');
  private readonly opener = byId<HTMLButtonElement>('template-button');
  private conversationId: string | null = null;
  private templates: TemplateView[] = [];
  private chosen: TemplateView | null = null;
  private values: string[] = [];
  /** Bumped on every open and close, so that a late answer for an earlier opening is dropped. */
  private generation = 0;

  constructor(private readonly source: TemplateSource) {
    this.opener.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    byId('template-close').addEventListener('click', () => this.close());
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); ev.stopPropagation(); this.close(); }
    });
  }

  get isOpen(): boolean { return !this.panel.hidden; }

  /** The conversation on screen, or null; another conversation closes the picker. */
  showFor(conversationId: string | null): void {
    if (conversationId !== this.conversationId && this.isOpen) this.close(false);
    this.conversationId = conversationId;
  }

  open(): void {
    const id = this.conversationId;
    if (!id) return;
    const generation = ++this.generation;
    this.panel.hidden = false;
    this.opener.setAttribute('aria-expanded', 'true');
    this.templates = [];
    this.choose(null);
    this.renderList();
    this.say('Loading the approved templates…', false);
    this.source.templates(id).then((templates) => {
      if (generation !== this.generation) return;
      this.templates = templates;
      this.say(templates.length ? '' : 'This WhatsApp account has no approved template that can be sent from here. Templates are created and approved in WhatsApp Manager.', false);
      this.choose(null);
      this.renderList();
      (this.list.querySelector('button') ?? byId('template-close')).focus();
    }).catch((err: Error) => {
      if (generation !== this.generation) return;
      this.say(plainReason(err), true, err.message);
      (this.status.querySelector('button') ?? byId('template-close')).focus();
    });
  }

  close(restoreFocus = true): void {
    if (!this.isOpen) return;
    this.generation++;
    this.panel.hidden = true;
    this.opener.setAttribute('aria-expanded', 'false');
    this.choose(null);
    if (restoreFocus) this.opener.focus();
  }

  /** A line in the picker; an error also shows the server's exact sentence and a way to try again. */
  private say(text: string, isError: boolean, detail?: string): void {
    this.status.replaceChildren(text);
    if (isError) {
      if (detail && detail !== text) this.status.append(h('span', { class: 'template-status-detail' }, detail));
      this.status.append(h('button', { type: 'button', class: 'secondary small', onclick: () => this.open() }, 'Try again'));
    }
    this.status.hidden = !text;
    this.status.classList.toggle('form-error', isError);
    this.status.setAttribute('role', isError ? 'alert' : 'status');
  }

  private renderList(): void {
    this.list.replaceChildren(...this.templates.map((t) => {
      const selected = this.chosen === t;
      return h('li', {},
        h('button', {
          type: 'button', class: `template-item${selected ? ' is-selected' : ''}`, 'aria-pressed': String(selected),
          'data-testid': 'template-item', 'data-template': `${t.name}:${t.language}`,
          onclick: () => { this.choose(t); this.renderList(); this.focusFirstField(); },
        },
          h('span', { class: 'template-item-top' },
            h('span', { class: 'template-name' }, t.name),
            h('span', { class: 'tag tag-language', title: 'Language' }, t.language)),
          h('span', { class: 'template-item-body' }, t.body)));
    }));
  }

  private choose(t: TemplateView | null): void {
    this.chosen = t;
    this.values = t ? Array.from({ length: t.parameterCount }, () => '') : [];
    if (!t) {
      this.detail.replaceChildren(h('p', { class: 'template-hint' }, this.templates.length ? 'Choose a template to see its wording and fill it in.' : ''));
      return;
    }
    const error = h('p', { class: 'form-error template-error', role: 'alert', 'data-testid': 'template-error', hidden: true });
    const preview = h('div', { class: 'template-preview', 'data-testid': 'template-preview', 'aria-live': 'polite' });
    const fields = this.values.map((_, i) => {
      const inputId = `template-param-${i + 1}`;
      const input = h('input', {
        id: inputId, type: 'text', maxlength: 1024, autocomplete: 'off', 'data-testid': 'template-param',
        oninput: (ev) => { this.values[i] = (ev.target as HTMLInputElement).value; this.renderPreview(preview, t); error.hidden = true; },
      });
      return h('div', { class: 'template-field' }, h('label', { for: inputId }, `Parameter {{${i + 1}}}`), input);
    });
    const form = h('form', {
      class: 'template-form', 'aria-label': `Fill in ${t.name}`, novalidate: true,
      onsubmit: (ev) => { ev.preventDefault(); this.send(error); },
    },
      ...fields,
      error,
      h('div', { class: 'template-actions' },
        h('button', { type: 'button', class: 'ghost', onclick: () => this.close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'template-send' }, 'Send template')));
    this.renderPreview(preview, t);
    this.detail.replaceChildren(
      h('h3', { class: 'template-title' }, t.name, ' ', h('span', { class: 'template-meta' }, `${t.language} · ${t.category.toLowerCase()}`)),
      preview,
      t.parameterCount ? '' : h('p', { class: 'template-hint' }, 'This template has no parameters: it is sent as written.'),
      form);
  }

  /** The template as the customer will read it, each {{n}} replaced by what the agent typed so far. */
  private renderPreview(preview: HTMLElement, t: TemplateView): void {
    const body = h('p', { class: 'template-preview-body' });
    let last = 0;
    for (const m of t.body.matchAll(PLACEHOLDER)) {
      body.append(t.body.slice(last, m.index));
      const value = this.values[Number(m[1]) - 1]?.trim();
      body.append(h('span', { class: `template-param${value ? ' is-filled' : ''}` }, value || `{{${m[1]}}}`));
      last = (m.index ?? 0) + m[0].length;
    }
    body.append(t.body.slice(last));
    preview.replaceChildren(
      t.header ? h('p', { class: 'template-preview-header' }, t.header) : '',
      body,
      t.footer ? h('p', { class: 'template-preview-footer' }, t.footer) : '');
  }

  private focusFirstField(): void {
    (this.detail.querySelector<HTMLElement>('input, button[type="submit"]'))?.focus();
  }

  private send(error: HTMLElement): void {
    const t = this.chosen;
    const id = this.conversationId;
    if (!t || !id) return;
    const parameters = this.values.map((v) => v.trim());
    const empty = parameters.findIndex((v) => !v);
    if (empty >= 0) {
      error.textContent = `Fill in parameter {{${empty + 1}}}: WhatsApp does not send a template with an empty one.`;
      error.hidden = false;
      byId(`template-param-${empty + 1}`).focus();
      return;
    }
    this.source.sendTemplate(id, { name: t.name, language: t.language, ...(parameters.length ? { parameters } : {}) });
    this.close();
  }
}

/** What went wrong, for an agent: what they can do about it, before the server's exact words. */
function plainReason(err: Error & { code?: string; details?: unknown }): string {
  const retryable = (err.details as { retryable?: boolean } | undefined)?.retryable;
  switch (err.code) {
    case 'platform_error': return retryable
      ? 'WhatsApp could not give the list of templates just now. Try again in a moment.'
      : 'WhatsApp refused to give the list of templates. Ask an admin to check this channel\'s WhatsApp settings.';
    case 'conflict': return 'Templates are not set up for this WhatsApp channel yet. Ask an admin to add its WhatsApp Business Account ID.';
    default: return err.message;
  }
}
