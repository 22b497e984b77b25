/** Selects for Camera, Microphone and (where the browser can route audio) Speaker. */
import { canPickSpeaker, listDevices, rememberDevice, rememberedDevice, type DeviceKind } from '../media/devices';
import { t, type MessageKey } from '../i18n';
import { h } from './dom';

const LABELS: Record<DeviceKind, MessageKey> = {
  videoinput: 'device.videoinput',
  audioinput: 'device.audioinput',
  audiooutput: 'device.audiooutput',
};
const NONE: Record<DeviceKind, MessageKey> = {
  videoinput: 'device.noneVideoinput',
  audioinput: 'device.noneAudioinput',
  audiooutput: 'device.noneAudiooutput',
};
let counter = 0;

export class DevicePickers {
  readonly el = h('div', { class: 'device-pickers' });
  private readonly selects = new Map<DeviceKind, HTMLSelectElement>();

  constructor(private readonly onPick: (kind: DeviceKind, id: string) => void) {
    const kinds: DeviceKind[] = canPickSpeaker ? ['videoinput', 'audioinput', 'audiooutput'] : ['videoinput', 'audioinput'];
    for (const kind of kinds) {
      const id = `device-${kind}-${++counter}`;
      const select = h('select', { id, class: 'select' });
      select.addEventListener('change', () => {
        rememberDevice(kind, select.value);
        this.onPick(kind, select.value);
      });
      this.selects.set(kind, select);
      this.el.append(h('div', { class: 'field' }, h('label', { for: id }, t(LABELS[kind])), select));
    }
  }

  /** Fills the lists; `inUse` names the device of each live track, so the select shows what is really used. */
  async refresh(inUse: Partial<Record<DeviceKind, string | undefined>> = {}): Promise<void> {
    const devices = await listDevices().catch(() => null);
    if (!devices) return;
    for (const [kind, select] of this.selects) {
      const list = devices[kind];
      const current = inUse[kind] ?? rememberedDevice(kind) ?? select.value;
      select.replaceChildren(...list.map((d) => h('option', { value: d.id }, d.label)));
      if (list.length === 0) select.append(h('option', { value: '' }, t(NONE[kind])));
      select.disabled = list.length === 0;
      if (list.some((d) => d.id === current)) select.value = current ?? '';
    }
  }
}
