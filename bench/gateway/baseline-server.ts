// The baselines the gateway benchmarks compare against, run as their own process like the app:
//   ingest  bare node:http: read the body, JSON.parse it, answer 200
//   emit    the same, then a socket.io emit of the text to the agent socket the user maps to
//   relay   a socket.io server whose `message:send` is POSTed with axios to a platform URL
// Usage: tsx bench/gateway/baseline-server.ts <mode> [platformUrl]; prints "listening <port>".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Server, type Socket } from 'socket.io';

const mode = process.argv[2];
const platformUrl = process.argv[3];

function readJson(req: http.IncomingMessage): Promise<any> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (err) { reject(err); } });
    req.on('error', reject);
  });
}

/** The customer and text of a Telegram or WhatsApp body, as cheaply as a bare server would find them. */
function userAndText(b: any): { user: number; text: string } {
  if (b.message) return { user: Number(b.message.chat.id), text: b.message.text };
  if (b.events) return { user: parseInt(b.events[0].source.userId.slice(1), 16), text: b.events[0].message.text };
  const m = b.entry[0].changes[0].value.messages[0];
  return { user: Number(m.from), text: m.text.body };
}

const agents: Socket[] = [];
const server = http.createServer(async (req, res) => {
  try {
    const body = await readJson(req);
    if (mode === 'emit') {
      const { user, text } = userAndText(body);
      agents[user % Math.max(1, agents.length)]?.emit('message:new', { message: { text } });
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } catch {
    res.writeHead(400).end('bad json');
  }
});

if (mode === 'emit' || mode === 'relay') {
  const io = new Server(server, { transports: ['websocket'] });
  const http2 = axios.create({ baseURL: platformUrl, timeout: 5000, httpAgent: new http.Agent({ keepAlive: true }) });
  io.of('/agent').on('connection', (socket) => {
    agents.push(socket);
    socket.on('disconnect', () => agents.splice(agents.indexOf(socket), 1));
    socket.on('message:send', async (p: { text: string }, ack?: (r: unknown) => void) => {
      try {
        await http2.post('/relay', { text: p.text });
        ack?.({ ok: true });
      } catch (err) {
        ack?.({ ok: false, error: String(err) });
      }
    });
  });
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
