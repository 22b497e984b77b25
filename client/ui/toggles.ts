/** The microphone and camera toggle buttons, the same on the pre-join screen and in the call. */
import { t, type MessageKey } from '../i18n';
import { h } from './dom';
import { setIcon, type IconName } from './icons';
import { ariaKeys, keysText, type ShortcutAction } from './shortcuts';

export interface Toggle {
  el: HTMLButtonElement;
  set(on: boolean, available?: boolean): void;
}

interface Words {
  /** The name while the device is off ("Turn on …") and while it is on ("Turn off …"). */
  turnOn: MessageKey;
  turnOff: MessageKey;
}

function toggle(words: Words, onIcon: IconName, offIcon: IconName, shortcut: ShortcutAction, onClick: () => void): Toggle {
  const el = h('button', { type: 'button', class: 'round-btn', 'aria-pressed': 'true' });
  el.addEventListener('click', onClick);
  const tg: Toggle = {
    el,
    set(on, available = true) {
      // aria-pressed="true" means the device is on.
      const action = t(on ? words.turnOff : words.turnOn);
      el.setAttribute('aria-pressed', String(on));
      el.setAttribute('aria-label', action);
      el.setAttribute('aria-keyshortcuts', ariaKeys(shortcut));
      el.title = t('toggle.withKeys', { action, keys: keysText(shortcut) });
      el.classList.toggle('off', !on);
      el.dataset.available = String(available);
      setIcon(el, on ? onIcon : offIcon);
    },
  };
  tg.set(true);
  return tg;
}

export function micToggle(onClick: () => void): Toggle {
  return toggle({ turnOn: 'toggle.micOn', turnOff: 'toggle.micOff' }, 'mic', 'micOff', 'mic', onClick);
}

export function camToggle(onClick: () => void): Toggle {
  return toggle({ turnOn: 'toggle.camOn', turnOff: 'toggle.camOff' }, 'cam', 'camOff', 'cam', onClick);
}
