/** The pre-join screen: camera preview, name, device pickers, who is already here, "Join now". */
import type { LobbyRoom, Media } from '../../server/protocol/events';
import { NAME_MAX, PASSWORD_MAX } from '../../server/protocol/limits';
import { t } from '../i18n';
import type { DeviceKind } from '../media/devices';
import { cleanName, presenceLine } from '../shared/names';
import { AudioSettings } from './audio-settings';
import { DevicePickers } from './device-pickers';
import { languageSettings } from './language-settings';
import { h, play } from './dom';
import { camToggle, micToggle } from './toggles';

const NAME_KEY = 'parley:name';

export interface PrejoinHandlers {
  toggleAudio(): void;
  toggleVideo(): void;
  pickDevice(kind: DeviceKind, id: string): void;
  join(form: { name: string; password: string }): void;
  /** Gives up a join that is waiting for the service to come back. */
  cancel(): void;
}

export class Prejoin {
  readonly el: HTMLElement;
  readonly pickers: DevicePickers;
  /** Set by the page to drop its subscriptions when the screen goes away. */
  onDispose: (() => void) | null = null;
  private readonly video = h('video', { class: 'preview-video mirror', autoplay: true, playsinline: true });
  private readonly cameraOff = h('div', { class: 'preview-off' }, t('prejoin.startingCamera'));
  private readonly mic = micToggle(() => this.handlers.toggleAudio());
  private readonly cam = camToggle(() => this.handlers.toggleVideo());
  private readonly name = h('input', {
    id: 'your-name',
    class: 'input',
    type: 'text',
    autocomplete: 'name',
    maxlength: String(NAME_MAX),
    required: true,
    placeholder: t('prejoin.name'),
  });
  private readonly password = h('input', {
    id: 'meeting-password',
    class: 'input',
    type: 'password',
    autocomplete: 'off',
    maxlength: String(PASSWORD_MAX),
  });
  private readonly passwordField: HTMLElement;
  /** Whoever opens an empty meeting may protect it with a password (the server takes it from the first join). */
  private readonly newPassword = h('input', {
    id: 'new-meeting-password',
    class: 'input',
    type: 'password',
    autocomplete: 'new-password',
    maxlength: String(PASSWORD_MAX),
    placeholder: t('prejoin.newPasswordHint'),
  });
  private readonly newPasswordField: HTMLElement;
  private readonly presence = h('p', { class: 'presence', 'aria-live': 'polite' }, t('prejoin.checking'));
  private readonly status = h('p', { class: 'prejoin-status', role: 'alert' });
  private readonly joinBtn = h('button', { type: 'submit', class: 'btn btn-primary btn-large' }, t('prejoin.join'));
  /** Always in the page, so that screen readers announce the text when it appears. */
  private readonly waiting = h('p', { class: 'prejoin-waiting', role: 'status' });
  private readonly cancelBtn = h('button', { type: 'button', class: 'btn', hidden: true }, t('prejoin.cancel'));

  constructor(
    private readonly handlers: PrejoinHandlers,
    room: string,
  ) {
    this.video.muted = true;
    this.pickers = new DevicePickers((kind, id) => handlers.pickDevice(kind, id));
    try {
      this.name.value = localStorage.getItem(NAME_KEY) ?? '';
    } catch {
      // No storage: the name is simply not remembered.
    }
    this.passwordField = h(
      'div',
      { class: 'field', hidden: true },
      h('label', { for: 'meeting-password' }, t('prejoin.password')),
      this.password,
    );
    this.newPasswordField = h(
      'div',
      { class: 'field', hidden: true },
      h('label', { for: 'new-meeting-password' }, t('prejoin.newPassword')),
      this.newPassword,
    );
    const form = h(
      'form',
      { class: 'prejoin-form', novalidate: true },
      h('h1', {}, t('prejoin.heading')),
      h('p', { class: 'room-line' }, room),
      this.presence,
      h('div', { class: 'field' }, h('label', { for: 'your-name' }, t('prejoin.name')), this.name),
      this.passwordField,
      this.newPasswordField,
      this.joinBtn,
      this.waiting,
      this.cancelBtn,
      this.status,
    );
    this.cancelBtn.addEventListener('click', () => this.handlers.cancel());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.el = h(
      'section',
      { class: 'prejoin', 'aria-label': t('prejoin.label') },
      h(
        'div',
        { class: 'prejoin-media' },
        h('div', { class: 'preview' }, this.video, this.cameraOff, h('div', { class: 'preview-controls' }, this.mic.el, this.cam.el)),
        this.pickers.el,
        new AudioSettings().el,
        languageSettings('reload'),
      ),
      form,
    );
  }

  focus(): void {
    (this.name.value ? this.joinBtn : this.name).focus();
  }

  setPreview(stream: MediaStream | null): void {
    this.video.srcObject = stream;
    this.cameraOff.hidden = !!stream;
    if (stream) play(this.video);
  }

  setMedia(state: Media, available: { audio: boolean; video: boolean }): void {
    this.mic.set(state.audio, available.audio);
    this.cam.set(state.video, available.video);
    this.cameraOff.textContent = t(available.video ? 'prejoin.cameraOff' : 'prejoin.noCamera');
  }

  setLobby(room: LobbyRoom): void {
    this.presence.textContent = presenceLine(room.names);
    if (room.locked) this.presence.textContent += ` · ${t('prejoin.locked')}`;
    this.newPasswordField.hidden = room.count > 0;
    if (room.password) this.askPassword();
  }

  askPassword(wrong = false): void {
    this.passwordField.hidden = false;
    this.newPasswordField.hidden = true;
    if (wrong) {
      this.password.value = '';
      this.password.setAttribute('aria-invalid', 'true');
      this.password.focus();
    }
  }

  setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
    this.status.textContent = text;
    this.status.className = `prejoin-status ${kind}`;
  }

  setBusy(busy: boolean): void {
    this.joinBtn.disabled = busy;
    this.joinBtn.textContent = t(busy ? 'prejoin.joining' : 'prejoin.join');
  }

  /** While true, the join retries (or asks to join) by itself; "Cancel" gives it up. */
  setWaiting(waiting: boolean, text = t('prejoin.waiting')): void {
    if (waiting && this.waiting.textContent !== text) this.waiting.textContent = text;
    if (waiting === !this.cancelBtn.hidden) return;
    this.waiting.textContent = waiting ? text : '';
    this.cancelBtn.hidden = !waiting;
    if (waiting) this.setStatus('');
    else if (document.activeElement === this.cancelBtn || document.activeElement === document.body) this.joinBtn.focus();
  }

  /** Blocks joining for good (e.g. removed from this meeting). */
  disable(): void {
    this.joinBtn.disabled = true;
  }

  private submit(): void {
    const name = cleanName(this.name.value);
    if (!name) {
      this.setStatus(t('prejoin.enterName'), 'error');
      this.name.setAttribute('aria-invalid', 'true');
      this.name.focus();
      return;
    }
    this.name.removeAttribute('aria-invalid');
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // Not remembered; joining still works.
    }
    const password = !this.passwordField.hidden ? this.password.value : !this.newPasswordField.hidden ? this.newPassword.value : '';
    this.handlers.join({ name, password });
  }
}
