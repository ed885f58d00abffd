// Builds what tsc does not: the browser bundles (console, widget) into dist/web, and copies the
// queue machine's Lua scripts beside its compiled code.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'dist/web');
fs.mkdirSync(out, { recursive: true });

const bundles = [
  { entry: 'agent-console/web/console/main.ts', out: 'console.js', html: 'agent-console/web/console/console.html' },
  { entry: 'gateway/adapters/webchat/widget/widget.ts', out: 'widget.js', html: 'gateway/adapters/webchat/widget/widget.html' },
];
for (const b of bundles) {
  await build({
    entryPoints: [path.join(root, b.entry)], outfile: path.join(out, b.out), bundle: true, minify: true,
    sourcemap: true, format: 'iife', target: ['chrome110', 'firefox110', 'safari16'], logLevel: 'warning',
  });
  fs.copyFileSync(path.join(root, b.html), path.join(out, path.basename(b.html)));
}
const css = path.join(root, 'agent-console/web/console/console.css');
if (fs.existsSync(css)) fs.copyFileSync(css, path.join(out, 'console.css'));

fs.mkdirSync(path.join(root, 'dist/queue-machine/lua'), { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'queue-machine/lua'))) {
  fs.copyFileSync(path.join(root, 'queue-machine/lua', f), path.join(root, 'dist/queue-machine/lua', f));
}
