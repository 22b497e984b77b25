/**
 * What the call shows of recordings: the Record / Stop recording button, the notice everyone sees while somebody
 * records (with announcements for screen readers), and the finished files to download.
 */
import type { Peer, PeerId } from '../../server/protocol/events';
import { language, plural, t } from '../i18n';
import { h } from './dom';
import { icon, setIcon } from './icons';

/** The control bar's Record button: aria-pressed while this participant records. */
export class RecordButton {
  readonly el: HTMLButtonElement;

  constructor(onClick: () => void) {
    this.el = h('button', { type: 'button', class: 'round-btn record-btn', 'aria-pressed': 'false' }, icon('record'));
    this.el.addEventListener('click', onClick);
    this.set(false, true);
  }

  /** `on`: recording now; `busy`: starting or stopping (the button waits); `possible`: the browser can record. */
  set(on: boolean, possible: boolean, busy = false): void {
    const label = on ? t('rec.stop') : t('rec.record');
    this.el.setAttribute('aria-label', label);
    this.el.title = possible ? label : t('rec.unsupported');
    this.el.setAttribute('aria-pressed', String(on));
    this.el.classList.toggle('active', on);
    this.el.disabled = busy || !possible;
    setIcon(this.el, on ? 'stopRecord' : 'record');
  }
}

/** The REC mark of a tile or of a row of the People list: shown while that participant records. */
export function recMark(): HTMLElement {
  return h(
    'span',
    { class: 'rec-mark', role: 'img', hidden: true, 'data-recording-mark': '' },
    h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
    h('span', { 'aria-hidden': 'true' }, t('rec.mark')),
  );
}

export function showRecording(mark: HTMLElement, peer: Pick<Peer, 'name' | 'recording'>): void {
  const on = peer.recording === true;
  mark.hidden = !on;
  if (on) {
    const label = t('rec.badge', { name: peer.name });
    mark.setAttribute('aria-label', label);
    mark.title = label;
  }
}

/** The names in the language's own list form: "Ada, Bob and Cy". */
function listOf(names: string[]): string {
  try {
    return new Intl.ListFormat(language(), { style: 'long', type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/**
 * The bar above the stage while anybody in the meeting records ("Ada is recording this meeting"), and a live region
 * that says who started and stopped. A newcomer hears the notice as it finds it.
 */
export class RecordingNotice {
  readonly el: HTMLElement;
  private readonly text = h('span', { class: 'recording-text' });
  private readonly live = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-recording-live': '' });
  private readonly bar: HTMLElement;
  /** Who recorded at the last render (null before the first). */
  private before: Map<PeerId, string> | null = null;

  constructor() {
    this.bar = h(
      'div',
      { class: 'recording-notice', hidden: true, 'data-recording-notice': '' },
      h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
      this.text,
    );
    this.el = h('div', { class: 'recording-box' }, this.bar, this.live);
  }

  render(selfId: PeerId, list: Peer[]): void {
    const now = new Map(list.filter((p) => p.recording === true).map((p) => [p.id, p.name]));
    const others = [...now].filter(([id]) => id !== selfId).map(([, name]) => name);
    const lines: string[] = [];
    if (now.has(selfId)) lines.push(t('rec.notice.self'));
    if (others.length > 0) lines.push(plural('rec.notice', others.length, { names: listOf(others) }));
    const text = lines.join(' · ');
    if (this.text.textContent !== text) this.text.textContent = text;
    this.bar.hidden = lines.length === 0;
    const before = this.before;
    this.before = now;
    // Our own start and stop are said where we pressed the button; a newcomer is told what it walks into.
    if (!before) {
      if (others.length > 0) this.say(plural('rec.notice', others.length, { names: listOf(others) }));
      return;
    }
    const present = new Set(list.map((p) => p.id));
    for (const [id, name] of now) if (!before.has(id) && id !== selfId) this.say(t('rec.started', { name }));
    for (const [id, name] of before) if (!now.has(id) && id !== selfId && present.has(id)) this.say(t('rec.stopped', { name }));
  }

  /** Announces `text` to screen readers (and keeps it until the next announcement). */
  say(text: string): void {
    // A new node each time, so that the same words said twice are read twice.
    this.live.replaceChildren(h('p', {}, text));
  }
}

/**
 * Finished recordings, outside the call view so that they outlast the call: each is downloaded at once, and stays
 * offered (a link) until closed, for a browser that asked where to save or blocked the download.
 */
export class RecordingFiles {
  readonly el = h('section', { class: 'recording-files', hidden: true, 'aria-label': t('rec.ready') });

  offer(file: Blob, name: string): void {
    const url = URL.createObjectURL(file);
    if (!this.el.isConnected) document.body.append(this.el);
    const link = h('a', { href: url, download: name, class: 'btn btn-primary' }, t('rec.download', { file: name }));
    const close = h(
      'button',
      { type: 'button', class: 'icon-btn', 'aria-label': t('rec.dismiss'), title: t('rec.dismiss') },
      icon('close'),
    );
    const item = h('div', { class: 'recording-file' }, h('span', {}, t('rec.ready')), link, close);
    close.addEventListener('click', () => {
      item.remove();
      URL.revokeObjectURL(url);
      this.el.hidden = this.el.childElementCount === 0;
    });
    this.el.append(item);
    this.el.hidden = false;
    link.click();
  }
}
