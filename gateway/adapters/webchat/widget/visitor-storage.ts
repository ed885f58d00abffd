// What the widget keeps in the visitor's browser, per channel: the visitor token in localStorage
// (it resumes the conversation on the next visit) and whether the panel was open, for this tab.
// Storage can be blocked (private modes, strict cookie settings): then the chat still works, unresumable.

const tokenKey = (channelId: string) => `cc-webchat:${channelId}:visitor-token`;
const openKey = (channelId: string) => `cc-webchat:${channelId}:open`;

function safely<T>(fn: () => T, fallback: T): T {
  try { return fn(); } catch { return fallback; }
}

export const visitorStorage = {
  token: (channelId: string): string | null => safely(() => localStorage.getItem(tokenKey(channelId)), null),
  saveToken: (channelId: string, token: string): void => safely(() => localStorage.setItem(tokenKey(channelId), token), undefined),
  wasOpen: (channelId: string): boolean => safely(() => sessionStorage.getItem(openKey(channelId)) === '1', false),
  saveOpen: (channelId: string, open: boolean): void => safely(() => sessionStorage.setItem(openKey(channelId), open ? '1' : '0'), undefined),
};
