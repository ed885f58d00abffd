// The autoresponder: automatic replies. So far one part of it: what happens to unattended
// conversations (the queue machine could not serve them). Greetings, menus and keyword answers come later.
export { unattendedReply, type UnattendedReply, type UnattendedMark } from './unattended.js';
