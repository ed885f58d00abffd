// The embeddable web chat widget, /widget.js: a site adds
// <script src="https://our-host/widget.js" data-channel-id="..."></script> and gets a chat button.
import { startWidget } from './chat-widget.js';

(() => {
  const w = window as Window & { __ccWebchatLoaded?: boolean };
  if (w.__ccWebchatLoaded) return; // the tag pasted twice: one widget
  // currentScript is only set while this file first runs: read it before anything asynchronous.
  const script = (document.currentScript as HTMLScriptElement | null)
    ?? document.querySelector<HTMLScriptElement>('script[data-channel-id][src*="widget.js"]');
  const channelId = script?.dataset.channelId;
  if (!script || !channelId) {
    console.error('[chat widget] Add data-channel-id="<your web chat channel id>" to the widget\'s script tag.');
    return;
  }
  w.__ccWebchatLoaded = true;
  const options = {
    origin: new URL(script.src, location.href).origin, // the server is wherever this script came from
    channelId,
    title: script.dataset.title || 'Chat with us',
    greeting: script.dataset.greeting || 'Hi there! How can we help you today?',
    accent: script.dataset.color || undefined,
  };
  if (document.body) startWidget(options);
  else document.addEventListener('DOMContentLoaded', () => startWidget(options), { once: true });
})();
