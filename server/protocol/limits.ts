/**
 * Limits of the wire contract, in one place that the server's schemas and the browser client both import at run
 * time. No imports: the client bundle takes this file as it is.
 */

/** A room id after case folding. */
export const ROOM_ID_PATTERN = /^[a-z0-9-]{1,64}$/;
export const ROOM_ID_MAX = 64;
/** A display name, in code points after trimming. */
export const NAME_MAX = 40;
/** What a name may be before trimming; longer input is refused outright. */
export const NAME_INPUT_MAX = 200;
/** Chat text, in code points. */
export const CHAT_MAX = 2000;
export const PASSWORD_MAX = 128;
export const RESUME_TOKEN_MAX = 512;
/** A resume token's lifetime, in seconds; a meeting that ended is remembered as long, so no token can bring it back. */
export const RESUME_MAX_AGE_S = 24 * 3600;
export const SDP_MAX = 32_000;
export const CANDIDATE_MAX = 1_024;

/** The whole Unicode control set: C0 (with tab), DEL and C1. Names may not hold any. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** The same set, every occurrence (to strip them from what a person types). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Bidi embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI), every occurrence.
 * Names and chat text lose them, the same on every replica: an unbalanced override would reverse the text that
 * follows it on the page (a name that reads "exe.txt" spoofing "txt.exe", a message that flips the next one).
 */
export const BIDI_CONTROLS_ALL = /[\u202a-\u202e\u2066-\u2069]/g;
/**
 * A lone UTF-16 surrogate is not text: it cannot be stored or relayed as UTF-8 (Redis, the adapter) unchanged, so
 * replicas would disagree about it. Names and chat text may not hold one.
 */
export const LONE_SURROGATE = /\p{Cs}/u;
/**
 * A character that shows: not a mark, control, format (zero-width, bidi), unassigned or space character. A name
 * must hold at least one, so that nobody appears as a blank tile.
 */
export const VISIBLE_CHAR = /[^\p{M}\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{Z}\s]/u;

/**
 * The longest a client waits between two attempts to (re)connect to `/room`, jitter included: the Socket.IO
 * reconnection back-off and the client's own retries after a retryable refusal both stay within it. The server keeps
 * a dropped participant's place at least this long after it could not renew places (server/redis/room-store.ts).
 */
export const RECONNECT_DELAY_MAX_MS = 4000;
