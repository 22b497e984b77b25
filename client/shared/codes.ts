import { ROOM_ID_PATTERN } from '../../server/protocol/limits';

/** Turns what a person types ("abc-defg-hij", "ABC DEFG HIJ", a full meeting link) into a room id, or null. */
export function parseMeetingInput(raw: string, origin: string): string | null {
  const text = raw.trim();
  if (!text) return null;
  let candidate = text;
  if (/^https?:\/\//i.test(text) || text.startsWith('/')) {
    try {
      const url = new URL(text, origin);
      const m = /^\/r\/([^/?#]+)\/?$/.exec(url.pathname);
      if (!m) return null;
      candidate = decodeURIComponent(m[1]);
    } catch {
      return null;
    }
  }
  const id = candidate.toLowerCase().replace(/\s+/g, '-');
  return ROOM_ID_PATTERN.test(id) ? id : null;
}
