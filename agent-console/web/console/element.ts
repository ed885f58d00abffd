// The console's DOM helpers: the shared builders, and lookups in console.html's own markup.
export { h, append, patchChildren, type Attrs, type Child, type KeyedChild } from '../../../shared/browser/dom.js';

/** The element with that id, or a clear error naming the markup that is missing. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`console.html has no #${id}`);
  return el as T;
}
