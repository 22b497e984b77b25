/** Home page: "New meeting", "Meeting code or link" + "Join", and the meetings joined recently. */
import { language, t } from './i18n';
import { applyPageLanguage } from './i18n/page';
import { parseMeetingInput } from './shared/codes';
import { parseRecent, RECENT_KEY } from './shared/recent';
import { languageSettings } from './ui/language-settings';

const form = document.getElementById('join-form') as HTMLFormElement | null;
const input = document.getElementById('code') as HTMLInputElement | null;
const error = document.getElementById('join-error') as HTMLElement | null;

form?.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const room = parseMeetingInput(input?.value ?? '', location.origin);
  if (!room) {
    if (error) {
      error.textContent = t('home.badCode');
      error.hidden = false;
    }
    input?.setAttribute('aria-invalid', 'true');
    input?.focus();
    return;
  }
  location.assign(`/r/${room}`);
});

input?.addEventListener('input', () => {
  if (error) error.hidden = true;
  input.removeAttribute('aria-invalid');
});

function showRecent(): void {
  const section = document.getElementById('recent');
  const list = document.getElementById('recent-list');
  if (!section || !list) return;
  let recent: ReturnType<typeof parseRecent>;
  try {
    recent = parseRecent(localStorage.getItem(RECENT_KEY));
  } catch {
    return;
  }
  if (recent.length === 0) return;
  const when = new Intl.RelativeTimeFormat(language(), { numeric: 'auto' });
  for (const m of recent) {
    const a = document.createElement('a');
    a.href = `/r/${m.room}`;
    a.textContent = m.room;
    const time = document.createElement('span');
    time.className = 'recent-when';
    const minutes = Math.round((m.at - Date.now()) / 60_000);
    time.textContent =
      Math.abs(minutes) < 60
        ? when.format(minutes, 'minute')
        : Math.abs(minutes) < 1440
          ? when.format(Math.round(minutes / 60), 'hour')
          : when.format(Math.round(minutes / 1440), 'day');
    const li = document.createElement('li');
    li.append(a, time);
    list.append(li);
  }
  section.hidden = false;
}

applyPageLanguage();
document.getElementById('home-settings')?.append(languageSettings('reload'));
showRecent();
