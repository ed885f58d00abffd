// The widget's CSS, applied inside its shadow root: the host page's styles cannot reach in, and
// ours cannot leak out. `--cc-accent` is the one colour a site may change (data-color).
export const widgetStyles = `
:host {
  all: initial !important;
  position: fixed !important;
  right: 20px !important;
  bottom: 20px !important;
  z-index: 2147483000 !important;
  display: block !important;
  --cc-accent: #2f5bea;
  --cc-text: #1b2330;
  --cc-muted: #5f6b7a;
  --cc-border: #e2e6ec;
  --cc-bg: #f4f6f9;
  --cc-danger: #c62828;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 1.45; color: var(--cc-text);
  display: flex; flex-direction: column; align-items: flex-end; gap: 14px;
}
button, textarea { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--cc-accent); outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; padding: 0; }

.launcher {
  width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; position: relative;
  background: var(--cc-accent); color: #fff; display: grid; place-items: center;
  box-shadow: 0 6px 20px rgba(20, 30, 60, .28); transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.05); }
.launcher .dot {
  position: absolute; top: 2px; right: 2px; width: 16px; height: 16px; border-radius: 50%;
  background: #e5484d; border: 2px solid #fff;
}

.panel {
  width: 370px; height: 560px; max-height: calc(100vh - 110px);
  background: #fff; border-radius: 16px; overflow: hidden; display: flex; flex-direction: column;
  box-shadow: 0 16px 48px rgba(20, 30, 60, .22), 0 2px 6px rgba(20, 30, 60, .08);
  animation: rise .18s ease-out;
}
@keyframes rise { from { opacity: 0; transform: translateY(12px); } to { opacity: 1; transform: none; } }
.head {
  display: flex; align-items: center; gap: 12px; padding: 16px 14px 16px 18px; color: #fff;
  background: var(--cc-accent); background-image: linear-gradient(135deg, rgba(255,255,255,.14), rgba(0,0,0,.08));
}
.head-avatar { width: 38px; height: 38px; border-radius: 50%; background: rgba(255, 255, 255, .2); display: grid; place-items: center; flex: none; }
.head-text { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; }
.subtitle { margin: 1px 0 0; font-size: 12.5px; opacity: .92; }
.icon-btn { border: 0; background: transparent; color: inherit; cursor: pointer; width: 34px; height: 34px; border-radius: 8px; display: grid; place-items: center; }
.icon-btn:hover { background: rgba(255, 255, 255, .16); }

.notice { margin: 0; padding: 8px 14px; font-size: 13px; background: #fff6dd; color: #6b4a00; border-bottom: 1px solid #f1e0b0; }
.notice.is-error { background: #fdecec; color: var(--cc-danger); border-color: #f5c2c2; }

.log { list-style: none; margin: 0; padding: 16px 14px; flex: 1; overflow-y: auto; background: var(--cc-bg); display: flex; flex-direction: column; gap: 6px; }
.msg { display: flex; flex-direction: column; max-width: 82%; }
.msg.theirs { align-self: flex-start; align-items: flex-start; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.bubble { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
.theirs .bubble { background: #fff; border: 1px solid var(--cc-border); border-bottom-left-radius: 4px; }
.mine .bubble { background: var(--cc-accent); color: #fff; border-bottom-right-radius: 4px; }
.msg.is-sending .bubble { opacity: .7; }
.msg.is-failed .bubble { background: #fdecec; color: var(--cc-danger); border: 1px solid #f5c2c2; }
.bubble img { display: block; max-width: 220px; max-height: 220px; border-radius: 8px; margin: 2px 0; }
.bubble a { color: inherit; }
.meta { font-size: 11px; color: var(--cc-muted); margin: 2px 4px 2px; display: flex; flex-wrap: wrap; gap: 2px 8px; align-items: baseline; }
.mine .meta { justify-content: flex-end; text-align: right; }
.meta .error { color: var(--cc-danger); flex: 1 1 100%; }
.retry { border: 0; background: none; padding: 0; color: var(--cc-accent); text-decoration: underline; cursor: pointer; font-size: 11px; white-space: nowrap; }
.note { align-self: center; text-align: center; color: var(--cc-muted); font-size: 12.5px; margin: 6px 0; max-width: 90%; }

.typing { margin: 0; padding: 4px 16px 6px; font-size: 12.5px; color: var(--cc-muted); background: var(--cc-bg); display: flex; gap: 8px; align-items: center; }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: #9aa6b8; animation: blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .2s; }
.dots i:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }

.composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px 10px 10px 14px; border-top: 1px solid var(--cc-border); background: #fff; }
.composer textarea {
  flex: 1; resize: none; border: 0; outline: none; padding: 9px 0; min-height: 38px; max-height: 120px; background: transparent;
}
.send { width: 38px; height: 38px; border-radius: 50%; border: 0; background: var(--cc-accent); color: #fff; cursor: pointer; display: grid; place-items: center; flex: none; }
.send:disabled { opacity: .4; cursor: default; }
.footer { margin: 0; padding: 0 0 8px; text-align: center; font-size: 11px; color: #9aa3af; background: #fff; }

@media (max-width: 480px) {
  :host { right: 12px !important; bottom: 12px !important; }
  .panel { position: fixed; inset: 0; width: auto; height: auto; max-height: none; border-radius: 0; }
}
@media (prefers-reduced-motion: reduce) { .panel { animation: none; } .dots i { animation: none; } .launcher { transition: none; } }
`;
