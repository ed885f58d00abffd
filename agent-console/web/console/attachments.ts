// Attachments in the chat view. Media needs the agent's token, which an <img> cannot send, so
// each file is shown through a short-lived signed link (GET /api/v1/media/:id/link), asked once
// and asked again shortly before it expires. Pictures show their thumbnail and open whole;
// voice notes and videos play in place; other files download.
import type { MediaView } from '../../../shared/types/api.js';
import { h } from './element.js';

export interface MediaLink { url: string; thumbnailUrl?: string; expiresAt: string }
export type LinkSource = (mediaId: string) => Promise<MediaLink>;

const REFRESH_BEFORE_MS = 60_000;

/** Signed links by media id, reused until a minute before they expire. */
export function cachedLinks(fetchLink: LinkSource): LinkSource {
  const cache = new Map<string, Promise<MediaLink>>();
  return (id) => {
    const hit = cache.get(id);
    const fresh = hit?.then((l) => Date.parse(l.expiresAt) - Date.now() > REFRESH_BEFORE_MS, () => false);
    const get = async () => {
      if (hit && await fresh) return hit;
      const p = fetchLink(id);
      cache.set(id, p);
      p.catch(() => cache.delete(id));
      return p;
    };
    return get();
  };
}

export function attachmentElement(x: MediaView, links: LinkSource): HTMLElement {
  if (x.pending) return h('p', { class: 'attachment is-pending', 'data-testid': 'attachment', 'data-state': 'pending' }, 'Attachment on its way…');
  if (x.unavailable) {
    return h('p', { class: 'attachment is-unavailable', 'data-testid': 'attachment', 'data-state': 'unavailable' },
      `Attachment unavailable${x.error ? `: ${x.error}` : ''}`);
  }
  const box = h('div', { class: 'attachment', 'data-testid': 'attachment', 'data-state': 'loading', 'data-mime': x.mimeType },
    h('span', { class: 'attachment-file' }, describe(x)));
  links(x.id).then((l) => {
    box.replaceChildren(render(x, l));
    if (x.transcript) box.append(h('p', { class: 'attachment-transcript' }, `“${x.transcript}”`));
    box.dataset.state = 'ready';
  }, () => {
    box.replaceChildren(h('span', { class: 'attachment-file' }, `${describe(x)}: could not be loaded; reopen the conversation to try again.`));
    box.dataset.state = 'failed';
  });
  return box;
}

function render(x: MediaView, l: MediaLink): HTMLElement {
  const kind = x.mimeType.split('/')[0];
  if (kind === 'image') {
    return h('a', { href: l.url, target: '_blank', rel: 'noopener', title: 'Open the full picture' },
      h('img', { class: 'attachment-image', src: l.thumbnailUrl ?? l.url, alt: x.fileName ?? 'Picture from the conversation', loading: 'lazy' }));
  }
  if (kind === 'audio') return h('audio', { class: 'attachment-audio', controls: true, preload: 'metadata', src: l.url });
  if (kind === 'video') return h('video', { class: 'attachment-video', controls: true, preload: 'metadata', src: l.url, ...(l.thumbnailUrl ? { poster: l.thumbnailUrl } : {}) });
  return h('a', { class: 'attachment-file', href: `${l.url}&download=1`, download: x.fileName ?? '' }, `⤓ ${describe(x)}`);
}

function describe(x: MediaView): string {
  return `${x.fileName ?? kindLabel(x.mimeType)} · ${sizeLabel(x.size)}`;
}

function kindLabel(mime: string): string {
  const kind = mime.split('/')[0];
  return kind === 'image' ? 'Picture' : kind === 'audio' ? 'Voice message' : kind === 'video' ? 'Video' : 'File';
}

export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
