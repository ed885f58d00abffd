// Lists a channel's approved templates with the Business Management API: GET
// /<version>/<WABA id>/message_templates, page after page, each reduced to what the console needs
// to offer it. Only templates our sender can fill are kept (see sendableTemplate).
import type { Context } from '../../../shared/context.js';
import { AppError } from '../../../shared/errors.js';
import type { TemplateView } from '../../../shared/types/api.js';
import type { ChannelRuntime } from '../../adapter.js';
import { platformHttp, sendErrorFrom } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { whatsappSettings, type WhatsappSettings } from './config.js';
import { readWhatsappError } from './outbound.js';
import { whatsappTemplate, type WhatsappTemplate, type WhatsappTemplatePage } from './types.js';

const FIELDS = 'name,language,status,category,parameter_format,components';
const PAGE_SIZE = 100;
/** A business with more than a thousand templates is not browsed in a picker: stop there. */
const MAX_PAGES = 10;
/** What the send schema (agent-console/api/schemas.ts) takes: a template outside it could never be sent. */
const NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$/;
const MAX_PARAMETERS = 20;
/** Buttons that need a value at send time (a code to copy, a product...): our sender fills only the body. */
const BUTTONS_WITH_PARAMETERS = new Set(['COPY_CODE', 'OTP', 'CATALOG', 'MPM', 'SPM']);

export async function listWhatsappTemplates(_ctx: Context, ch: ChannelRuntime): Promise<TemplateView[]> {
  const s = whatsappSettings(ch);
  if (!s.businessAccountId) {
    throw new AppError('conflict', 'This WhatsApp channel cannot list its templates: an admin must set businessAccountId on the channel (the WhatsApp Business Account ID shown in WhatsApp Manager) with PATCH /api/v1/channels/:id.',
      { channelId: ch.channel.id, setting: 'businessAccountId' });
  }
  const templates: TemplateView[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await fetchPage(s, s.businessAccountId, after);
    if (!Array.isArray(answer?.data)) throw SendError.transient('WhatsApp answered the template list without its data.');
    for (const raw of answer.data) {
      const parsed = whatsappTemplate.safeParse(raw);
      const view = parsed.success ? sendableTemplate(parsed.data) : undefined;
      if (view) templates.push(view);
    }
    // The cursor, not paging.next: `next` is an absolute Graph URL, and the token goes only to the channel's apiBaseUrl.
    after = answer.paging?.cursors?.after;
    if (!answer.paging?.next || !after) break;
  }
  return templates.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

async function fetchPage(s: WhatsappSettings, waba: string, after?: string): Promise<WhatsappTemplatePage> {
  try {
    const res = await platformHttp(s.apiBaseUrl, s.timeoutMs).get<WhatsappTemplatePage>(`/${s.version}/${waba}/message_templates`, {
      params: { fields: FIELDS, limit: PAGE_SIZE, ...(after ? { after } : {}) },
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    return res.data;
  } catch (err) {
    throw sendErrorFrom(err, 'WhatsApp', readWhatsappError);
  }
}

/**
 * The template as the console offers it, or undefined when it is not approved or our sender could
 * not fill it: named parameters, a media or variable header, buttons that need values.
 */
export function sendableTemplate(t: WhatsappTemplate): TemplateView | undefined {
  if (t.status !== 'APPROVED' || !NAME.test(t.name) || !LANGUAGE.test(t.language)) return undefined;
  if (t.parameter_format === 'NAMED') return undefined;
  const part = (type: string) => t.components.find((c) => c.type.toUpperCase() === type);
  const body = part('BODY')?.text;
  if (!body) return undefined;
  const placeholders = [...body.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]);
  if (placeholders.some((p) => !/^\d+$/.test(p))) return undefined;
  const parameterCount = Math.max(0, ...placeholders.map(Number));
  if (parameterCount > MAX_PARAMETERS) return undefined;
  const header = part('HEADER');
  if (header && ((header.format && header.format.toUpperCase() !== 'TEXT') || header.text?.includes('{{'))) return undefined;
  const buttons = part('BUTTONS')?.buttons ?? [];
  if (buttons.some((b) => BUTTONS_WITH_PARAMETERS.has(b.type.toUpperCase()) || b.url?.includes('{{'))) return undefined;
  const footer = part('FOOTER')?.text;
  return {
    name: t.name, language: t.language, category: t.category ?? 'UTILITY', body, parameterCount,
    ...(header?.text ? { header: header.text } : {}), ...(footer ? { footer } : {}),
  };
}
