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

export function newMessageId(): string {
  return randomBytes(9).toString('base64url');
}
