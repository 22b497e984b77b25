/** Words for who is in a call, as the pre-join screen shows them. */
import { BIDI_CONTROLS_ALL, CONTROL_CHARS_ALL, NAME_MAX, VISIBLE_CHAR } from '../../server/protocol/limits';
import { plural, t } from '../i18n';

/** "Ann, Bob and Cy" — at most `max` names, then "and N others". */
export function listNames(names: string[], max = 3): string {
  const shown = names.slice(0, names.length > max ? max - 1 : max);
  const rest = names.length - shown.length;
  if (rest > 0) return plural('names.others', rest, { list: shown.join(', ') });
  if (shown.length <= 1) return shown.join('');
  return t('names.and', { list: shown.slice(0, -1).join(', '), last: shown[shown.length - 1] });
}

/** "No one else is here", "Ann is in this call", "Ann and Bob are in this call", … */
export function presenceLine(names: string[]): string {
  if (names.length === 0) return t('names.nobody');
  return t(names.length === 1 ? 'names.one' : 'names.many', { names: listNames(names) });
}

/** One or two letters for an avatar: "Ann Lee" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  const first = Array.from(parts[0])[0] ?? '';
  const last = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/**
 * A display name the server will take: trimmed, control characters and bidi controls removed (as the server removes
 * them), at most NAME_MAX characters; '' when nothing visible is left.
 */
export function cleanName(raw: string): string {
  const name = Array.from(raw.replace(CONTROL_CHARS_ALL, '').replace(BIDI_CONTROLS_ALL, '').trim()).slice(0, NAME_MAX).join('').trim();
  return VISIBLE_CHAR.test(name) ? name : '';
}
