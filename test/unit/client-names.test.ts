import { parseMeetingInput } from '../../client/shared/codes';
import { errorCode, errorWords } from '../../client/shared/errors';
import { t } from '../../client/i18n';
import { cleanName, initials, listNames, presenceLine } from '../../client/shared/names';
import { addRecent, parseRecent } from '../../client/shared/recent';

describe('presenceLine', () => {
  test.each([
    [[], 'No one else is here'],
    [['Ann'], 'Ann is in this call'],
    [['Ann', 'Bob'], 'Ann and Bob are in this call'],
    [['Ann', 'Bob', 'Cy'], 'Ann, Bob and Cy are in this call'],
    [['Ann', 'Bob', 'Cy', 'Di'], 'Ann, Bob and 2 others are in this call'],
    [['Ann', 'Bob', 'Cy', 'Di', 'Ed'], 'Ann, Bob and 3 others are in this call'],
  ])('%j → %s', (names, line) => {
    expect(presenceLine(names)).toBe(line);
  });

  test('listNames with a larger limit', () => {
    expect(listNames(['A', 'B', 'C', 'D'], 4)).toBe('A, B, C and D');
    expect(listNames(['A', 'B', 'C', 'D', 'E'], 4)).toBe('A, B, C and 2 others');
  });
});

describe('names', () => {
  test('initials take the first and last word, in upper case, surrogate-safe', () => {
    expect(initials('Ann Lee')).toBe('AL');
    expect(initials('bob')).toBe('B');
    expect(initials('  mary  ann   smith ')).toBe('MS');
    expect(initials('')).toBe('?');
    expect(initials('😀 Zed')).toBe('😀Z');
  });

  test('cleanName trims, drops control characters and keeps at most 40 characters', () => {
    expect(cleanName('  Ann\u0007 Lee\t ')).toBe('Ann Lee');
    expect(cleanName('\u0085\u007f')).toBe('');
    expect(cleanName('x'.repeat(50))).toHaveLength(40);
    expect(cleanName('<b>Bob</b>')).toBe('<b>Bob</b>');
  });

  test('cleanName drops bidi embeddings, overrides and isolates as the server does; nothing else visible is no name', () => {
    expect(cleanName('\u202eevil\u202c')).toBe('evil');
    expect(cleanName(' \u2066Ann\u2069 Lee\u202a')).toBe('Ann Lee');
    expect(cleanName('\u202b\u202d\u2067\u2068')).toBe('');
    expect(cleanName(' \u202e \u2069 ')).toBe('');
    // Not counted against the 40 characters.
    expect(cleanName('\u202e'.repeat(10) + 'x'.repeat(40))).toBe('x'.repeat(40));
    // Marks and zero-width characters are the server's business (kept, or refused when nothing else shows).
    expect(cleanName('Ze\u200bd\u200f')).toBe('Ze\u200bd\u200f');
  });
});

describe('errors in words', () => {
  test('the code comes from data.code or the message', () => {
    expect(errorCode({ message: 'ROOM_FULL' })).toBe('ROOM_FULL');
    expect(errorCode({ message: 'x', data: { code: 'BANNED', message: 'y' } })).toBe('BANNED');
    expect(errorCode({ message: 'xhr poll error' })).toBeNull();
    expect(errorCode(null)).toBeNull();
  });

  test('known codes read as sentences; transport trouble as "can\'t reach"', () => {
    expect(errorWords({ message: 'ROOM_FULL' })).toBe('This meeting is full');
    expect(errorWords({ message: 'BANNED' })).toBe('You were removed from this meeting');
    expect(errorWords({ message: 'ROOM_LOCKED' })).toMatch(/locked/);
    expect(errorWords(new Error('websocket error'))).toBe(t('error.unreachable'));
  });
});

describe('parseMeetingInput', () => {
  const origin = 'https://parley.example';
  test.each([
    ['abc-defg-hij', 'abc-defg-hij'],
    ['  ABC DEFG HIJ ', 'abc-defg-hij'],
    ['https://parley.example/r/abc-defg-hij', 'abc-defg-hij'],
    ['https://parley.example/r/Team-Sync/?x=1', 'team-sync'],
    ['/r/daily', 'daily'],
    ['https://parley.example/other/abc', null],
    ['', null],
    ['bad!code', null],
    ['x'.repeat(65), null],
  ])('%s → %s', (input, room) => {
    expect(parseMeetingInput(input, origin)).toBe(room);
  });
});

describe('recent meetings', () => {
  test('newest first, no duplicates, at most six, bad storage ignored', () => {
    let list = parseRecent(null);
    for (let i = 0; i < 8; i++) list = addRecent(list, `room-${i}`, i);
    list = addRecent(list, 'room-5', 100);
    expect(list.map((m) => m.room)).toEqual(['room-5', 'room-7', 'room-6', 'room-4', 'room-3', 'room-2']);
    expect(parseRecent(JSON.stringify(list))).toEqual(list);
    expect(parseRecent('{not json')).toEqual([]);
    expect(parseRecent(JSON.stringify([{ room: '<script>', at: 1 }, { room: 'ok', at: 2 }, 'x']))).toEqual([{ room: 'ok', at: 2 }]);
  });
});
