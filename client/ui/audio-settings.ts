/** Settings for the sound we send: noise suppression on or off (remembered in this browser). */
import { t } from '../i18n';
import { noiseSuppressionWanted, setNoiseSuppression } from '../media/noise-suppression';
import { h } from './dom';

let counter = 0;

export class AudioSettings {
  readonly el: HTMLElement;

  constructor() {
    const id = `noise-suppression-${++counter}`;
    const box = h('input', { type: 'checkbox', id, class: 'check', 'aria-describedby': `${id}-hint` });
    box.checked = noiseSuppressionWanted();
    box.addEventListener('change', () => setNoiseSuppression(box.checked));
    this.el = h(
      'div',
      { class: 'check-field audio-settings' },
      box,
      h('label', { for: id }, t('audio.noiseSuppression')),
      h('p', { class: 'check-hint', id: `${id}-hint` }, t('audio.noiseSuppression.hint')),
    );
  }
}
