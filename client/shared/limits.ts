/** Limits of the wire contract the client checks before sending. */
export const CHAT_MAX = 2000;
export const NAME_MAX = 40;
