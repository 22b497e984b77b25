/** The "Background" choice in Settings (pre-join and in the call): no effect, blur, or one of the backdrops. */
import { t, type MessageKey } from '../i18n';
import type { CameraEffect } from '../media/background';
import { BACKDROPS, formatBackground, parseBackground } from '../shared/background';
import { h } from './dom';

let counter = 0;

export class BackgroundSettings {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  /** Drops the subscription to the effect when the view goes away. */
  readonly dispose: () => void;

  constructor(effect: CameraEffect) {
    const id = `background-${++counter}`;
    const options: [string, MessageKey][] = [
      ['none', 'background.none'],
      ['blur', 'background.blur'],
      ...BACKDROPS.map((b): [string, MessageKey] => [`replace:${b}`, `background.${b}`]),
    ];
    this.select = h('select', { id, class: 'select' }, ...options.map(([value, key]) => h('option', { value }, t(key))));
    this.select.value = formatBackground(effect.choice);
    this.select.addEventListener('change', () => effect.choose(parseBackground(this.select.value)));
    this.dispose = effect.on('choice', (c) => (this.select.value = formatBackground(c)));
    this.el = h('div', { class: 'field background-settings' }, h('label', { for: id }, t('background.label')), this.select);
  }
}
