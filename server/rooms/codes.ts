/** Meet-style room codes (abc-defg-hij) and fresh PeerIds, from a CSPRNG. */
import { randomBytes, randomInt } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function letters(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[randomInt(LETTERS.length)];
  return s;
}

/** 10 random letters: 26^10 ≈ 1.4e14 codes, not guessable by scanning. */
export function newRoomCode(): string {
  return `${letters(3)}-${letters(4)}-${letters(3)}`;
}

export function newPeerId(): string {
  return randomBytes(9).toString('base64url');
}

/** A knock's id (someone asking to join). */
export function newKnockId(): string {
  return randomBytes(12).toString('base64url');
}

/** A meeting's id: made when a room is created, so that tokens of an earlier meeting of the same code are told apart. */
export function newMeetingId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The name part of a ban: what a name looks like rather than its code points. Compatibility forms fold (full-width
 * letters, ligatures, styled mathematical letters), accents and invisible format characters (zero-width space and
 * joiners, bidi controls) are dropped and every run of spaces is one space, so "Ｍallory", "Ma\u200dllory" and
 * "Mallory\u0301" are all "mallory". Names arrive without bidi controls (the name schema strips them); dropping every
 * format character here keeps the key the same for a name as typed and as stored.
 */
export function banKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .replace(/[\p{Z}\s]+/gu, ' ')
    .trim()
    .toLowerCase()
    .normalize('NFKC');
}

export function newMessageId(): string {
  return randomBytes(9).toString('base64url');
}
