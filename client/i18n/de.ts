/** Deutsch. */
import type { Catalogue } from './index';

export const de: Catalogue = {
  'background.label': 'Hintergrund',
  'background.none': 'Kein Effekt',
  'background.blur': 'Weichzeichnen',
  'background.sky': 'Himmel',
  'background.studio': 'Studio',
  'background.shelves': 'Bücherregal',
  'background.tooSlow': 'Hintergrundeffekt ausgeschaltet: Dieses Gerät ist dafür gerade zu langsam',
  'background.failed': 'Hintergrundeffekte konnten in diesem Browser nicht gestartet werden',
  'error.BAD_REQUEST': 'Parley konnte diese Anfrage nicht verstehen. Prüfe deinen Namen und versuche es erneut.',
  'error.ROOM_FULL': 'Diese Besprechung ist voll',
  'error.ROOM_LOCKED': 'Der Host hat diese Besprechung gesperrt',
  'error.WRONG_PASSWORD': 'Das Passwort der Besprechung ist nicht richtig',
  'error.NOT_IN_ROOM': 'Diese Person ist nicht mehr in der Besprechung',
  'error.NOT_HOST': 'Das kann nur der Host',
  'error.BANNED': 'Du wurdest aus dieser Besprechung entfernt',
  'error.RATE_LIMITED': 'Zu viele Versuche. Warte einen Moment und versuche es erneut.',
  'error.PAYLOAD_TOO_LARGE': 'Das ist zu lang zum Senden',
  'error.INTERNAL': 'Auf dem Server ist etwas schiefgelaufen. Versuche es erneut.',
  'error.ASK_TO_JOIN': 'Für diese Besprechung brauchst du eine Zulassung: Ein Host muss dich hereinlassen',
  'error.DENIED': 'Ein Host hat deine Anfrage abgelehnt. Du kannst in einer Minute erneut fragen.',
  'error.unreachable': 'Parley ist nicht erreichbar. Prüfe deine Verbindung und versuche es erneut.',
  'people.count.one': '{count} Person in der Besprechung',
  'people.count.other': '{count} Personen in der Besprechung',
};
