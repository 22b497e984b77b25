/**
 * One participant's tile: video, name, mic-off indicator, raised hand, speaking highlight, connection quality, and a
 * reaction for a few seconds.
 */
import type { Peer, Reaction } from '../../server/protocol/events';
import { t, type MessageKey } from '../i18n';
import { rememberedDevice } from '../media/devices';
import { initials } from '../shared/names';
import { REACTION_SHOWN_MS, reactionName } from '../shared/reactions';
import type { Quality } from '../shared/stats';
import { h, play } from './dom';
import { icon } from './icons';
import { recMark, showRecording } from './recording';

const QUALITY_WORDS: Record<Quality, MessageKey> = {
  good: 'tile.quality.good',
  fair: 'tile.quality.fair',
  poor: 'tile.quality.poor',
  unknown: 'tile.quality.unknown',
};

export class Tile {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly name = h('span', { class: 'tile-name' });
  private readonly quality = h('span', { class: 'tile-quality', role: 'img' }, icon('signal'));
  private readonly hand = h('span', { class: 'tile-hand', role: 'img', 'aria-label': t('tile.hand') }, icon('hand'));
  private readonly rec = recMark();
  private readonly avatar = h('div', { class: 'tile-avatar', 'aria-hidden': 'true' });
  private readonly reaction = h('span', { class: 'tile-reaction', role: 'img', hidden: true });
  private reactionTimer: ReturnType<typeof setTimeout> | null = null;
  private peerName = '';
  private firstFrame = false;

  constructor(
    readonly id: string,
    readonly self: boolean,
    private readonly onFirstFrame: (id: string) => void,
    private readonly onSoundBlocked: () => void,
  ) {
    this.video = h('video', { autoplay: true, playsinline: true, class: 'tile-video' });
    // Our own tile never plays our own microphone back.
    this.video.muted = self;
    this.el = h(
      'div',
      { class: 'tile', role: 'group', 'data-participant-id': id, 'data-audio': 'off', 'data-video': 'off', 'data-hand': 'down' },
      this.video,
      this.avatar,
      h('div', { class: 'tile-badges' }, this.hand, this.rec),
      this.reaction,
      h(
        'div',
        { class: 'tile-footer' },
        h('span', { class: 'tile-mic-off', role: 'img', 'aria-label': t('tile.micOff') }, icon('micOff')),
        this.name,
        self ? null : this.quality,
      ),
    );
    if (self) this.el.dataset.self = 'true';
    this.setQuality('unknown');
    const speaker = rememberedDevice('audiooutput');
    if (speaker && !self) void this.setSink(speaker);
    this.video.addEventListener('loadeddata', () => this.frame());
    this.video.addEventListener('playing', () => this.frame());
  }

  update(peer: Peer): void {
    const d = this.el.dataset;
    d.audio = peer.media.audio ? 'on' : 'off';
    d.video = peer.media.video ? 'on' : 'off';
    d.presenting = String(peer.media.screen);
    d.hand = peer.hand ? 'up' : 'down';
    d.host = String(peer.host);
    d.cohost = String(peer.cohost === true);
    showRecording(this.rec, peer);
    this.peerName = peer.name;
    if (this.name.textContent !== peer.name) this.name.textContent = peer.name;
    this.avatar.dataset.initials = initials(peer.name);
    this.el.setAttribute('aria-label', this.self ? t('tile.you', { name: peer.name }) : peer.name);
  }

  setStream(stream: MediaStream | null): void {
    if (this.video.srcObject === stream) return;
    this.video.srcObject = stream;
    if (stream) play(this.video, this.onSoundBlocked);
  }

  /** Plays again after the browser blocked sound, once the person interacted with the page. */
  unblock(): void {
    if (!this.self && this.video.muted) {
      this.video.muted = false;
      play(this.video);
    }
  }

  /** Shows a reaction for a few seconds; a newer one takes the place of the one still showing. */
  react(emoji: Reaction): void {
    const r = this.reaction;
    r.textContent = emoji;
    const reaction = reactionName(emoji);
    r.setAttribute('aria-label', this.self ? t('tile.youReacted', { reaction }) : t('tile.reacted', { name: this.peerName, reaction }));
    r.title = reactionName(emoji);
    // Restart the pop-in animation for a repeated reaction.
    r.hidden = true;
    void r.offsetWidth;
    r.hidden = false;
    if (this.reactionTimer) clearTimeout(this.reactionTimer);
    this.reactionTimer = setTimeout(() => {
      r.hidden = true;
      this.reactionTimer = null;
    }, REACTION_SHOWN_MS);
  }

  setSpeaking(speaking: boolean): void {
    this.el.classList.toggle('speaking', speaking);
  }

  setQuality(q: Quality): void {
    this.quality.dataset.quality = q;
    this.quality.setAttribute('aria-label', t(QUALITY_WORDS[q]));
    this.quality.title = t(QUALITY_WORDS[q]);
  }

  async setSink(deviceId: string): Promise<void> {
    const v = this.video as HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> };
    if (!this.self && v.setSinkId) await v.setSinkId(deviceId).catch(() => undefined);
  }

  private frame(): void {
    if (this.firstFrame || this.self || this.video.videoWidth === 0) return;
    this.firstFrame = true;
    this.onFirstFrame(this.id);
  }
}

/** A shared screen, shown large beside the camera tiles. */
export class ScreenTile {
  readonly el: HTMLElement;
  readonly video = h('video', { autoplay: true, playsinline: true, class: 'tile-video' });
  private readonly label = h('span', { class: 'tile-name' });

  constructor(
    readonly id: string,
    readonly self: boolean,
  ) {
    this.video.muted = true;
    this.el = h(
      'div',
      { class: 'tile tile-screen', role: 'group', 'data-presenter-id': id },
      this.video,
      h('div', { class: 'tile-footer' }, this.label),
    );
  }

  update(name: string, stream: MediaStream): void {
    const text = this.self ? t('tile.youPresent') : t('tile.presents', { name });
    if (this.label.textContent !== text) this.label.textContent = text;
    this.el.setAttribute('aria-label', text);
    if (this.video.srcObject !== stream) {
      this.video.srcObject = stream;
      play(this.video);
    }
  }

  remove(): void {
    this.video.srcObject = null;
    this.el.remove();
  }
}
