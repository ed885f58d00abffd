// The signed-in agent's token and chosen status, kept in sessionStorage: they survive a reload
// of the tab but not closing it, and another tab signs in on its own.
import type { AgentStatus, AgentView } from '../../../shared/types/api.js';

export interface Session { token: string; agent: AgentView; status: AgentStatus }

const KEY = 'cc-console.session';
const NOTICE_KEY = 'cc-console.notice';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && typeof s.token === 'string' && s.agent?.id ? s : null;
  } catch {
    return null; // unreadable: sign in again
  }
}

export function saveSession(s: Session): void { sessionStorage.setItem(KEY, JSON.stringify(s)); }
export function clearSession(): void { sessionStorage.removeItem(KEY); }

/** A sentence for the sign-in page after a reload (why the agent was signed out). */
export function setNotice(text: string): void { sessionStorage.setItem(NOTICE_KEY, text); }
export function takeNotice(): string | null {
  const n = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  return n;
}
