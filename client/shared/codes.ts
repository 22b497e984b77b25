/** Turns what a person types ("abc-defg-hij", "ABC DEFG HIJ", a full meeting link) into a room id, or null. */
const ROOM_ID = /^[a-z0-9-]{1,64}$/;

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
  return ROOM_ID.test(id) ? id : null;
}
