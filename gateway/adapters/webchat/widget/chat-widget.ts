// Runs one widget: connects the panel to the /customer socket namespace, keeps the visitor token
// to resume the conversation, sends with acknowledgements and catches up with `history` on every
// (re)connect. Connects at once for a returning visitor, otherwise only when the chat is opened.
import type { ErrorBody } from '../../../../shared/types/api.js';
import { ChatPanel } from './chat-panel.js';
import { newClientMessageId } from '../../../../shared/browser/client-message-id.js';
import { ask, connectCustomerSocket, type CustomerSocket } from './customer-socket.js';
import { Transcript } from './transcript.js';
import { visitorStorage } from './visitor-storage.js';

export interface WidgetOptions { origin: string; channelId: string; title: string; greeting: string; accent?: string }

const SEND_TIMEOUT_MS = 15_000;
const DEFAULT_SUBTITLE = 'We usually reply within a few minutes';

export function startWidget(opts: WidgetOptions): void {
  const host = document.createElement('cc-webchat');
  host.setAttribute('data-testid', 'webchat-widget');
  document.body.appendChild(host);

  let socket: CustomerSocket | null = null;
  let stopped = false;          // the server refused this chat for good (unknown channel, site not allowed)
  let caughtUp = false;         // the first history arrived: later agent messages count as unread
  let agentName: string | null = null;
  // The conversation the customer is in, and those that ended: a late position of an ended one is not shown.
  let conversationId: string | null = null;
  const ended = new Set<string>();
  let lastTypingSent = 0;

  const transcript = new Transcript(opts.origin, () => panel.render());
  const panel = new ChatPanel(host, opts, transcript, {
    toggled(open) {
      visitorStorage.saveOpen(opts.channelId, open);
      if (open) connect();
    },
    send(text) {
      const clientMessageId = newClientMessageId();
      transcript.addLocal(clientMessageId, text);
      send(clientMessageId, text);
    },
    retry(clientMessageId) {
      const text = transcript.retry(clientMessageId);
      if (text) send(clientMessageId, text);
    },
    typing() {
      if (!socket?.connected || Date.now() - lastTypingSent < 2000) return;
      lastTypingSent = Date.now();
      socket.volatile.emit('typing');
    },
  });

  function connect(): CustomerSocket | null {
    if (socket || stopped) return socket;
    panel.setNotice('Connecting…');
    const s = connectCustomerSocket(opts.origin, () => {
      const visitorToken = visitorStorage.token(opts.channelId);
      return { channelId: opts.channelId, ...(visitorToken ? { visitorToken } : {}) };
    });
    socket = s;

    s.on('connect', () => {
      panel.setNotice(null);
      panel.setEnabled(true);
      ask(s, 'history', { afterMessageId: transcript.lastServerId }, SEND_TIMEOUT_MS).then((reply) => {
        if (!reply.ok) return; // the next reconnect asks again; live messages still arrive
        let fresh = false;
        for (const m of reply.messages) fresh = transcript.addServer(m) || fresh;
        if (fresh && caughtUp) panel.markUnread();
        caughtUp = true;
      }, () => undefined);
    });

    s.on('session', ({ visitorToken, conversationId: open }) => {
      if (open) conversationId = open;
      const previous = visitorStorage.token(opts.channelId);
      // A refused (expired, foreign) token gets a new identity: what we showed was not this visitor's.
      if (previous && previous !== visitorToken) { transcript.clear(); agentName = null; panel.setSubtitle(DEFAULT_SUBTITLE); }
      visitorStorage.saveToken(opts.channelId, visitorToken);
    });

    s.on('message:new', ({ message }) => {
      if (message.conversationId) conversationId = message.conversationId;
      if (transcript.addServer(message)) panel.markUnread();
      if (message.direction === 'out') panel.hideTyping();
    });

    s.on('queue:position', (p) => {
      const { position, estimatedWaitSeconds } = p;
      if (agentName || ended.has(p.conversationId)) return;
      const wait = estimatedWaitSeconds ? ` · about ${Math.max(1, Math.round(estimatedWaitSeconds / 60))} min` : '';
      panel.setSubtitle(position <= 1 ? `You are next in line${wait}` : `You are number ${position} in line${wait}`);
    });

    s.on('agent:joined', ({ name }) => {
      if (agentName !== name) transcript.addNote(`${name} joined the chat`);
      agentName = name;
      panel.setSubtitle(`${name} is here to help`);
    });

    s.on('typing', () => panel.showTyping(`${agentName ?? 'The agent'} is typing…`));

    s.on('conversation:closed', () => {
      if (conversationId) ended.add(conversationId);
      transcript.addNote('This chat has ended. Thank you for getting in touch! Write again any time to start a new conversation.');
      agentName = null;
      panel.hideTyping();
      panel.setSubtitle(DEFAULT_SUBTITLE);
    });

    s.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      panel.setNotice('Connection lost. Reconnecting…');
      if (reason === 'io server disconnect') s.connect(); // the client does not retry this one by itself
    });

    s.on('connect_error', (err) => {
      const code = (err as Error & { data?: { code?: string } }).data?.code;
      if (code === 'not_found' || code === 'forbidden') {
        stopped = true;
        s.disconnect();
        panel.setNotice('Sorry, this chat is not available right now.', 'error');
        console.error(`[chat widget] ${err.message}`); // for the site's owner: which setting to fix
        panel.setEnabled(false);
      } else {
        panel.setNotice('We cannot reach the chat right now. Retrying…');
      }
    });
    return s;
  }

  function send(clientMessageId: string, text: string): void {
    const s = connect();
    if (!s) { transcript.ackFailed(clientMessageId, 'Sorry, this chat is not available.'); return; }
    // Sent even while disconnected: socket.io buffers it until the connection is back.
    ask(s, 'message:send', { text, clientMessageId }, SEND_TIMEOUT_MS).then(
      (reply) => {
        if (!reply.ok) { transcript.ackFailed(clientMessageId, politeError(reply.error)); return; }
        conversationId = reply.message.conversationId;
        transcript.ackOk(clientMessageId, reply.message);
      },
      () => transcript.ackFailed(clientMessageId, 'Not sent: the connection is slow or lost.'),
    );
  }

  // A returning visitor resumes at once (their replies may be waiting); a new one connects on opening.
  if (visitorStorage.token(opts.channelId)) connect();
  if (visitorStorage.wasOpen(opts.channelId)) panel.setOpen(true);
}

/** An error acknowledgement in words for a visitor: no event names or field paths. */
function politeError(e: ErrorBody): string {
  if (e.code === 'rate_limited') return 'You are sending messages quickly. Please wait a few seconds, then try again.';
  if (e.code === 'validation_failed') {
    const problem = (e.details as { fields?: { problem?: string }[] } | undefined)?.fields?.[0]?.problem;
    return `Sorry, this message was not sent${problem ? `: ${problem}` : ''}.`;
  }
  return `Sorry, this message was not sent. ${e.message}`;
}
