/** Home page: "New meeting", and "Meeting code or link" + "Join". */
import { parseMeetingInput } from './shared/codes';

const form = document.getElementById('join-form') as HTMLFormElement | null;
const input = document.getElementById('code') as HTMLInputElement | null;
const error = document.getElementById('join-error') as HTMLElement | null;

form?.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const room = parseMeetingInput(input?.value ?? '', location.origin);
  if (!room) {
    if (error) {
      error.textContent = 'Enter a meeting code like abc-defg-hij or a meeting link.';
      error.hidden = false;
    }
    input?.focus();
    return;
  }
  location.assign(`/r/${room}`);
});
