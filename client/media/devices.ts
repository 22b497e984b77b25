/** Camera, microphone and speaker lists, and the choices remembered between visits. */
import { t } from '../i18n';
export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

export interface DeviceChoice {
  id: string;
  label: string;
}

const KEY: Record<DeviceKind, string> = {
  videoinput: 'parley:camera',
  audioinput: 'parley:microphone',
  audiooutput: 'parley:speaker',
};

export async function listDevices(): Promise<Record<DeviceKind, DeviceChoice[]>> {
  const out: Record<DeviceKind, DeviceChoice[]> = { videoinput: [], audioinput: [], audiooutput: [] };
  if (!navigator.mediaDevices?.enumerateDevices) return out;
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const d of devices) {
    if (!(d.kind in out) || !d.deviceId) continue;
    const list = out[d.kind as DeviceKind];
    const fallback = t(`device.${d.kind as DeviceKind}`);
    list.push({ id: d.deviceId, label: d.label || t('device.numbered', { device: fallback, n: list.length + 1 }) });
  }
  return out;
}

export function rememberedDevice(kind: DeviceKind): string | undefined {
  try {
    return localStorage.getItem(KEY[kind]) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberDevice(kind: DeviceKind, id: string): void {
  try {
    localStorage.setItem(KEY[kind], id);
  } catch {
    // Storage may be unavailable (private mode); the choice then lasts for this page only.
  }
}

export const canPickSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
