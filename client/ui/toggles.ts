/** The microphone and camera toggle buttons, the same on the pre-join screen and in the call. */
import { h } from './dom';
import { setIcon, type IconName } from './icons';

export interface Toggle {
  el: HTMLButtonElement;
  set(on: boolean, available?: boolean): void;
}

function toggle(device: 'microphone' | 'camera', onIcon: IconName, offIcon: IconName, shortcut: string, onClick: () => void): Toggle {
  const el = h('button', { type: 'button', class: 'round-btn', 'aria-pressed': 'true', title: `${device} (${shortcut})` });
  el.addEventListener('click', onClick);
  const t: Toggle = {
    el,
    set(on, available = true) {
      // aria-pressed="true" means the device is on.
      el.setAttribute('aria-pressed', String(on));
      el.setAttribute('aria-label', `Turn ${on ? 'off' : 'on'} ${device}`);
      el.title = `${on ? 'Turn off' : 'Turn on'} ${device} (${shortcut})`;
      el.classList.toggle('off', !on);
      el.dataset.available = String(available);
      setIcon(el, on ? onIcon : offIcon);
    },
  };
  t.set(true);
  return t;
}

export function micToggle(onClick: () => void): Toggle {
  return toggle('microphone', 'mic', 'micOff', 'Ctrl+D', onClick);
}

export function camToggle(onClick: () => void): Toggle {
  return toggle('camera', 'cam', 'camOff', 'Ctrl+E', onClick);
}
