// Builds DOM nodes for the browser pages (console and widget) from a tag, attributes and
// children. Text always goes in as text nodes, so nothing a customer or agent writes becomes markup.
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((ev: Event) => void)>;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (key === 'class') el.className = String(value ?? '');
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value != null) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** An inline SVG icon from path data (SVG needs its own namespace). */
export function icon(pathData: string, size = 24): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', pathData);
  path.setAttribute('fill', 'currentColor');
  svg.appendChild(path);
  return svg;
}

export interface KeyedChild { key: string; signature: string; build: () => HTMLElement }

/**
 * Updates a list in place: rows whose key and content are unchanged keep their node, so a live
 * region announces only what is new and a text selection survives new messages.
 */
export function patchChildren(parent: HTMLElement, items: KeyedChild[]): void {
  items.forEach((item, i) => {
    const current = parent.children[i] as HTMLElement | undefined;
    if (current?.dataset.key === item.key && current.dataset.signature === item.signature) return;
    const fresh = item.build();
    fresh.dataset.key = item.key;
    fresh.dataset.signature = item.signature;
    if (current) parent.replaceChild(fresh, current);
    else parent.appendChild(fresh);
  });
  while (parent.children.length > items.length) parent.lastElementChild!.remove();
}
