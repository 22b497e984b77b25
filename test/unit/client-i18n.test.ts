import { LANGUAGES, isLanguage, language, matchLanguage, plural, setLanguage, t, type MessageKey } from '../../client/i18n';
import { acceptedLanguages } from '../../client/i18n/catalogues';
import { en } from '../../client/i18n/en';
import { roomNames } from '../../client/shared/breakouts';
import { errorWords, wordsFor } from '../../client/shared/errors';
import { presenceLine } from '../../client/shared/names';
import { reactionName } from '../../client/shared/reactions';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the UI catalogues', () => {
  afterEach(() => setLanguage('en'));

  it.each(Object.keys(LANGUAGES))('%s has every English key, no other, each non-empty with the same placeholders', (lang) => {
    const messages = LANGUAGES[lang as keyof typeof LANGUAGES].messages;
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(messages[key].trim()).not.toBe('');
      expect({ key, placeholders: placeholders(messages[key]) }).toEqual({ key, placeholders: placeholders(en[key]) });
    }
  });

  it('translations are translated: most of each non-English catalogue differs from English', () => {
    for (const lang of ['de', 'fr', 'es'] as const) {
      const keys = Object.keys(en) as MessageKey[];
      const same = keys.filter((k) => LANGUAGES[lang].messages[k] === en[k]);
      expect({ lang, sameShare: same.length / keys.length < 0.2 }).toEqual({ lang, sameShare: true });
    }
  });

  it('picks the first preferred language Parley speaks, by primary subtag, else English', () => {
    expect(matchLanguage(['de-AT', 'fr'])).toBe('de');
    expect(matchLanguage(['pt-BR', 'es-MX', 'de'])).toBe('es');
    expect(matchLanguage(['ja', 'zh-CN'])).toBe('en');
    expect(matchLanguage([])).toBe('en');
    expect(isLanguage('fr')).toBe(true);
    expect(isLanguage('toString')).toBe(false);
  });

  it('switches language, and server refusals follow it by code', () => {
    setLanguage('de');
    expect(language()).toBe('de');
    expect(wordsFor('ROOM_FULL')).toBe('Diese Besprechung ist voll');
    expect(errorWords({ message: 'ROOM_LOCKED' })).toBe(LANGUAGES.de.messages['error.ROOM_LOCKED']);
    expect(errorWords(new Error('xhr poll error'))).toBe(t('error.unreachable'));
    setLanguage('fr');
    expect(wordsFor('ROOM_FULL')).toBe('Cette réunion est complète');
    setLanguage(null);
    expect(language()).toBe('en');
  });

  it('fills placeholders and chooses plural forms by the language rules', () => {
    expect(plural('people.count', 1)).toBe('1 person in the call');
    expect(plural('people.count', 0)).toBe('0 people in the call');
    expect(plural('people.count', 5)).toBe('5 people in the call');
    setLanguage('fr');
    // French counts 0 and 1 as singular.
    expect(plural('people.count', 0)).toBe('0 personne dans la réunion');
    expect(t('error.ROOM_FULL', { unused: 1 })).toBe(LANGUAGES.fr.messages['error.ROOM_FULL']);
  });

  it('reads Accept-Language by q-value, then by order, leaving out q=0 and *', () => {
    expect(acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toEqual(['fr-CH', 'fr', 'en', 'de']);
    expect(acceptedLanguages('en;q=0.2, es')).toEqual(['es', 'en']);
    expect(acceptedLanguages('de;q=0, fr')).toEqual(['fr']);
    expect(acceptedLanguages('de;q=abc, fr')).toEqual(['fr']);
    expect(acceptedLanguages('')).toEqual([]);
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(matchLanguage(acceptedLanguages('pt-BR, es;q=0.5, fr;q=0.9'))).toBe('fr');
  });

  it('puts together lists of names, room names and reaction names in the chosen language', () => {
    setLanguage('de');
    expect(presenceLine([])).toBe('Sonst ist noch niemand da');
    expect(presenceLine(['Ann'])).toBe('Ann ist in diesem Anruf');
    expect(presenceLine(['Ann', 'Bob'])).toBe('Ann und Bob sind in diesem Anruf');
    expect(presenceLine(['A', 'B', 'C', 'D'])).toBe('A, B und 2 weitere Personen sind in diesem Anruf');
    expect(presenceLine(['A', 'B', 'C', 'D', 'E'])).toBe('A, B und 3 weitere Personen sind in diesem Anruf');
    setLanguage('es');
    expect(roomNames(2)).toEqual(['Sala 1', 'Sala 2']);
    expect(reactionName('👏')).toBe('Aplausos');
    setLanguage('fr');
    expect(presenceLine(['A', 'B', 'C'])).toBe('A, B et C participent à cet appel');
  });
});
