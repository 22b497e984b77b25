/** English: the source catalogue. Every other language has exactly these keys. */
export const en = {
  'background.label': 'Background',
  'background.none': 'No effect',
  'background.blur': 'Blur',
  'background.sky': 'Sky',
  'background.studio': 'Studio',
  'background.shelves': 'Bookshelves',
  'background.tooSlow': 'Background effect turned off: this device is too slow for it right now',
  'background.failed': 'Background effects could not start in this browser',
  'error.BAD_REQUEST': 'Parley could not understand that request. Check your name and try again.',
  'error.ROOM_FULL': 'This meeting is full',
  'error.ROOM_LOCKED': 'The host has locked this meeting',
  'error.WRONG_PASSWORD': 'That meeting password is not right',
  'error.NOT_IN_ROOM': 'That person is no longer in this meeting',
  'error.NOT_HOST': 'Only the host can do that',
  'error.BANNED': 'You were removed from this meeting',
  'error.RATE_LIMITED': 'Too many attempts. Wait a moment and try again.',
  'error.PAYLOAD_TOO_LARGE': 'That is too long to send',
  'error.INTERNAL': 'Something went wrong on the server. Try again.',
  'error.ASK_TO_JOIN': 'This meeting asks to join: a host has to let you in',
  'error.DENIED': 'A host declined your request to join. You can ask again in a minute.',
  'error.unreachable': "Can't reach Parley. Check your connection and try again.",
  'people.count.one': '{count} person in the call',
  'people.count.other': '{count} people in the call',
} as const;

export type MessageKey = keyof typeof en;
