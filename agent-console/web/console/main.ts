// The agent console's entry point: sign-in, then the live console (status, conversation list,
// chat pane) wired to the /agent socket and the REST API. Bundled to /assets/console.js.
import type { AgentStatus } from '../../../shared/types/api.js';
import { templateText, type TemplateRef } from '../../../shared/types/message.js';
import { ApiClient, login } from './api-client.js';
import { call, connectAgentSocket } from './agent-socket.js';
import { ChatView } from './chat-view.js';
import { newClientMessageId } from '../../../shared/browser/client-message-id.js';
import { ConversationList } from './conversation-list.js';
import { ConversationStore } from './conversation-store.js';
import { byId } from './element.js';
import { bindLiveUpdates, type ConnectionState } from './live-updates.js';
import { clearSession, loadSession, saveSession, setNotice, takeNotice, type Session } from './session.js';

const TENANT_KEY = 'cc-console.tenant'; // remembered across visits: agents of one company retype it every day otherwise

function showLogin(): void {
  byId('app-view').hidden = true;
  byId('login-view').hidden = false;
  const form = byId<HTMLFormElement>('login-form');
  const tenant = byId<HTMLInputElement>('login-tenant');
  const email = byId<HTMLInputElement>('login-email');
  const password = byId<HTMLInputElement>('login-password');
  const error = byId('login-error');
  const notice = byId('login-notice');
  const submit = byId<HTMLButtonElement>('login-submit');
  tenant.value = localStorage.getItem(TENANT_KEY) ?? '';
  const flash = takeNotice();
  notice.textContent = flash ?? '';
  notice.hidden = !flash;
  (tenant.value ? email : tenant).focus();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    notice.hidden = true;
    const missing = [tenant, email, password].find((i) => !i.value.trim());
    if (missing) {
      error.textContent = `Please enter your ${missing.dataset.label ?? 'details'}.`;
      error.hidden = false;
      missing.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const r = await login(tenant.value.trim(), email.value.trim(), password.value);
      localStorage.setItem(TENANT_KEY, tenant.value.trim());
      const session: Session = { token: r.token, agent: r.agent, status: 'online' };
      saveSession(session);
      password.value = '';
      startConsole(session);
    } catch (err) {
      error.textContent = (err as Error).message;
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
}

function startConsole(session: Session): void {
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  byId('agent-name').textContent = session.agent.name;
  byId('agent-role').textContent = session.agent.role === 'agent' ? '' : session.agent.role;

  const store = new ConversationStore(session.agent.id, () => !document.hidden);
  const api = new ApiClient(session.token, () => signOut('Your session has expired. Please sign in again.'));
  const socket = connectAgentSocket(session.token);
  const statusSelect = byId<HTMLSelectElement>('status-select');
  const connection = byId('connection-banner');
  const toast = byId('toast');
  let desired: AgentStatus = session.status;
  let toastTimer: ReturnType<typeof setTimeout> | undefined;

  const showToast = (text: string) => {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
  };
  const showStatus = (status: AgentStatus) => {
    statusSelect.value = status;
    byId('status-dot').dataset.status = status;
  };
  showStatus(desired);

  const live = bindLiveUpdates(socket, store, api, {
    desiredStatus: () => desired,
    onStatusApplied: showStatus,
    onConnection: (state: ConnectionState, detail?: string) => {
      document.body.dataset.connection = state;
      connection.hidden = state === 'connected';
      connection.textContent = state === 'reconnecting' ? `Connection lost. Reconnecting…${detail ? ` (${detail})` : ''}` : 'Connecting…';
    },
    onAuthFailed: () => signOut('Your session has expired. Please sign in again.'),
    onError: showToast,
    onServerStatus: (status, reason) => {
      desired = status;
      showStatus(status);
      saveSession({ ...session, status });
      showToast(reason);
    },
    onFirstLoad: () => {
      const wanted = decodeURIComponent(location.hash.slice(1));
      if (wanted && store.get(wanted)) open(wanted);
    },
  });

  const open = (conversationId: string) => {
    live.open(conversationId);
    history.replaceState(null, '', `#${encodeURIComponent(conversationId)}`);
  };

  const lastTyping = new Map<string, number>();
  const sendReply = (conversationId: string, clientMessageId: string, content: { text: string } | { template: TemplateRef }) => {
    call(socket, 'message:send', { conversationId, ...content, clientMessageId })
      .then((r) => store.addMessages(conversationId, [r.message], true))
      .catch((err: Error) => store.failPending(conversationId, clientMessageId, err.message));
  };

  const chat = new ChatView(store, {
    send(conversationId, text) {
      const clientMessageId = newClientMessageId();
      store.addPending(conversationId, clientMessageId, text);
      sendReply(conversationId, clientMessageId, { text });
    },
    sendTemplate(conversationId, template) {
      const clientMessageId = newClientMessageId();
      store.addPending(conversationId, clientMessageId, templateText(template), template);
      sendReply(conversationId, clientMessageId, { template });
    },
    templates: (conversationId) => api.templates(conversationId),
    retry(conversationId, clientMessageId) {
      // The same clientMessageId again: the server stores and sends it once, however often it is retried.
      const m = store.retryPending(conversationId, clientMessageId);
      if (m?.template) sendReply(conversationId, clientMessageId, { template: m.template });
      else if (m?.text) sendReply(conversationId, clientMessageId, { text: m.text });
    },
    async close(conversationId) {
      const r = await call(socket, 'conversation:close', { conversationId, disposition: 'resolved' });
      store.upsertConversation(r.conversation);
    },
    mediaLink: (mediaId) => api.mediaLink(mediaId),
    typing(conversationId) {
      // At most one typing signal every 2.5 s per conversation: the customer's indicator lasts longer.
      const now = Date.now();
      if (now - (lastTyping.get(conversationId) ?? 0) < 2500) return;
      lastTyping.set(conversationId, now);
      socket.volatile.emit('typing', { conversationId });
    },
  });
  const list = new ConversationList(byId('conversation-list'), byId('conversation-empty'), byId('conversation-count'), store, {
    select: open,
    accept: (id) => live.accept(id).catch((err: Error) => { showToast(`Could not accept: ${err.message}`); throw err; }),
    decline: (id) => live.decline(id).catch((err: Error) => { showToast(`Could not decline: ${err.message}`); throw err; }),
  });

  store.subscribe(() => {
    list.render();
    chat.render();
    const unread = store.totalUnread();
    document.title = `${unread ? `(${unread}) ` : ''}Agent console`;
  });
  list.render();
  chat.render();
  // Reading a conversation in a background tab does not count: clear its badge when the tab returns.
  document.addEventListener('visibilitychange', () => { if (!document.hidden && store.selectedId) store.select(store.selectedId); });

  statusSelect.addEventListener('change', async () => {
    const wanted = statusSelect.value as AgentStatus;
    const previous = desired;
    desired = wanted;
    try {
      const r = await call(socket, 'agent:status', { status: wanted });
      showStatus(r.status);
      saveSession({ ...session, status: r.status });
    } catch (err) {
      desired = previous;
      showStatus(previous);
      showToast(`Your status could not be changed: ${(err as Error).message}`);
    }
  });

  byId('sign-out').addEventListener('click', async (ev) => {
    (ev.currentTarget as HTMLButtonElement).disabled = true;
    // Signing out means offline now: a dropped connection only starts the server's grace period.
    if (socket.connected) await call(socket, 'agent:status', { status: 'offline' }, 3000).catch(() => undefined);
    signOut(null);
  }, { once: true });

  function signOut(notice: string | null): void {
    socket.disconnect();
    clearSession();
    if (notice) setNotice(notice);
    history.replaceState(null, '', location.pathname);
    location.reload();
  }
}

const session = loadSession();
if (session) startConsole(session);
else showLogin();
