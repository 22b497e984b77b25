/**
 * Local media: the microphone and camera tracks, their on/off state, device switching and screen share.
 * Knows nothing of peers or the page; it reports what to send through events.
 */
import type { Media } from '../../server/protocol/events';
import { t } from '../i18n';
import { Emitter } from '../shared/emitter';
import { CameraEffect } from './background';
import { rememberDevice, rememberedDevice } from './devices';
import { NoiseSuppressor } from './noise-suppression';

export interface OutgoingTracks {
  audio: MediaStreamTrack | null;
  /** The camera. */
  video: MediaStreamTrack | null;
  /** The shared screen, sent as a video of its own beside the camera. */
  screen: MediaStreamTrack | null;
}

interface LocalMediaEvents {
  /** The tracks to send changed (a device switch, camera on/off, screen share start/stop). */
  tracks: OutgoingTracks;
  /** What others should be told (`media` event) and the controls should show. */
  state: Media;
  /** What the self view shows: the camera, or nothing. */
  preview: MediaStream | null;
  /** Our own shared screen, or null. */
  'screen-preview': MediaStream | null;
  /** Something the person should know (a device failed, permission denied). */
  notice: string;
}

export type Availability = { audio: boolean; video: boolean };

export class LocalMedia extends Emitter<LocalMediaEvents> {
  private mic: MediaStreamTrack | null = null;
  private cam: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  /** What the self view and our own screen tile show now. */
  cameraPreview: MediaStream | null = null;
  screenPreview: MediaStream | null = null;
  private wantAudio = true;
  private wantVideo = true;
  /** Which kinds the browser let us open at all. */
  available: Availability = { audio: false, video: false };
  /** Between the microphone and what is sent: the denoised microphone once it runs. */
  private readonly suppressor = new NoiseSuppressor(
    () => this.publish(),
    () => this.emit('notice', t('audio.noiseSuppression.failed')),
  );
  /** Background blur or replacement: what it sends in place of the camera. */
  readonly background = new CameraEffect(
    () => this.publish(),
    (text) => this.emit('notice', text),
  );

  get state(): Media {
    return { audio: this.wantAudio && !!this.mic, video: this.wantVideo && !!this.cam, screen: !!this.screen };
  }

  get outgoing(): OutgoingTracks {
    return { audio: this.suppressor.output(this.mic), video: this.background.output(this.cam), screen: this.screen };
  }

  /**
   * Opens the camera and microphone, falling back to one of them, or none (receive-only).
   * Resolves with a sentence to show when something is missing, or null.
   */
  async start(prefs: { audio: boolean; video: boolean } = { audio: this.wantAudio, video: this.wantVideo }): Promise<string | null> {
    this.wantAudio = prefs.audio;
    this.wantVideo = prefs.video;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.publish();
      return t('media.cantUse');
    }
    const audio = this.constraint('audioinput');
    const video = this.videoConstraint();
    const attempts: MediaStreamConstraints[] = [{ audio, video }, { audio }, { video }];
    let lastError: unknown = null;
    for (const c of attempts) {
      try {
        const stream = await openDevices(c);
        this.mic = stream.getAudioTracks()[0] ?? null;
        this.cam = stream.getVideoTracks()[0] ?? null;
        break;
      } catch (err) {
        lastError = err;
      }
    }
    this.available = { audio: !!this.mic, video: !!this.cam };
    if (this.mic) this.mic.enabled = this.wantAudio;
    // The camera light goes off while the camera is off: stop it rather than send black frames.
    if (this.cam && !this.wantVideo) {
      this.cam.stop();
      this.cam = null;
    }
    this.watchEnded();
    this.publish();
    if (this.available.audio && this.available.video) return null;
    const denied = lastError instanceof DOMException && (lastError.name === 'NotAllowedError' || lastError.name === 'SecurityError');
    if (!this.available.audio && !this.available.video) {
      return denied ? t('media.blocked') : t('media.none');
    }
    if (!this.available.audio) return t('media.noMic');
    return t('media.noCam');
  }

  async setAudio(on: boolean): Promise<void> {
    this.wantAudio = on;
    if (on && !this.mic) await this.openMic();
    if (this.mic) this.mic.enabled = on;
    this.suppressor.mirror(this.mic);
    this.emit('state', this.state);
  }

  async setVideo(on: boolean): Promise<void> {
    this.wantVideo = on;
    if (on && !this.cam) {
      await this.openCamera();
    } else if (!on && this.cam) {
      this.cam.stop();
      this.cam = null;
    }
    this.publish();
  }

  async selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    rememberDevice(kind, id);
    if (kind === 'audioinput') {
      if (this.mic) await this.openMic();
    } else if (this.cam) {
      await this.openCamera();
    }
  }

  /** Starts sharing the screen; resolves false when the person cancelled or it is not possible. */
  async startScreen(): Promise<boolean> {
    if (this.screen) return true;
    if (!navigator.mediaDevices?.getDisplayMedia) {
      this.emit('notice', t('media.cantShare'));
      return false;
    }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({
        video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 15 } },
        audio: false,
      });
      const track = stream.getVideoTracks()[0];
      if (!track) return false;
      if ('contentHint' in track) track.contentHint = 'detail';
      // The browser's own "Stop sharing" ends the track.
      track.addEventListener('ended', () => {
        if (this.screen === track) this.stopScreen();
      });
      this.screen = track;
      this.publish();
      return true;
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'NotAllowedError')) this.emit('notice', t('media.shareFailed'));
      return false;
    }
  }

  stopScreen(): void {
    if (!this.screen) return;
    this.screen.stop();
    this.screen = null;
    this.publish();
  }

  /** Stops every track (leaving the call). */
  stop(): void {
    for (const t of [this.mic, this.cam, this.screen]) t?.stop();
    this.mic = this.cam = this.screen = null;
    this.publish();
  }

  private async openMic(): Promise<void> {
    try {
      const stream = await openDevices({ audio: this.constraint('audioinput') });
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      this.mic?.stop();
      this.mic = track;
      this.mic.enabled = this.wantAudio;
      this.available.audio = true;
      this.watchEnded();
      this.publish();
    } catch {
      this.wantAudio = !!this.mic && this.wantAudio;
      this.emit('notice', t('media.micFailed'));
      this.emit('state', this.state);
    }
  }

  private async openCamera(): Promise<void> {
    try {
      // Stop the old camera first: some cameras cannot be opened twice (the effect reads a copy of it).
      this.background.follow(null);
      this.cam?.stop();
      const stream = await openDevices({ video: this.videoConstraint() });
      const track = stream.getVideoTracks()[0] ?? null;
      if (!this.wantVideo) {
        track?.stop();
        return;
      }
      this.cam = track;
      this.available.video = !!track;
      this.watchEnded();
    } catch {
      this.cam = null;
      this.wantVideo = false;
      this.emit('notice', t('media.camFailed'));
    }
    this.publish();
  }

  private constraint(kind: 'audioinput' | 'videoinput'): MediaTrackConstraints | boolean {
    const id = rememberedDevice(kind);
    return id ? { deviceId: { exact: id } } : true;
  }

  private videoConstraint(): MediaTrackConstraints {
    const id = rememberedDevice('videoinput');
    // A full mesh sends one copy per participant: modest resolution keeps eight people within reach.
    return { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 }, ...(id ? { deviceId: { exact: id } } : {}) };
  }

  /** A device unplugged mid-call ends its track: show it as off instead of a frozen picture. */
  private watchEnded(): void {
    for (const track of [this.mic, this.cam]) {
      if (!track || (track as MediaStreamTrack & { parleyWatched?: boolean }).parleyWatched) continue;
      (track as MediaStreamTrack & { parleyWatched?: boolean }).parleyWatched = true;
      track.addEventListener('ended', () => {
        if (track === this.mic) this.mic = null;
        else if (track === this.cam) this.cam = null;
        else return;
        this.emit('notice', t(track.kind === 'audio' ? 'media.micStopped' : 'media.camStopped'));
        this.publish();
      });
    }
  }

  private publish(): void {
    this.suppressor.follow(this.mic);
    this.background.follow(this.cam);
    const { video } = this.outgoing;
    this.emit('tracks', this.outgoing);
    if (video !== (this.cameraPreview?.getVideoTracks()[0] ?? null)) {
      this.cameraPreview = video ? new MediaStream([video]) : null;
      this.emit('preview', this.cameraPreview);
    }
    if (this.screen !== (this.screenPreview?.getVideoTracks()[0] ?? null)) {
      this.screenPreview = this.screen ? new MediaStream([this.screen]) : null;
      this.emit('screen-preview', this.screenPreview);
    }
    this.emit('state', this.state);
  }
}

/**
 * getUserMedia asking for the chosen devices exactly (Chrome takes an `ideal` deviceId as a mere hint and may open
 * another device); when a chosen device is gone (unplugged since), the browser's default one instead.
 */
async function openDevices(c: MediaStreamConstraints): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(c);
  } catch (err) {
    if (!(err instanceof DOMException && (err.name === 'OverconstrainedError' || err.name === 'NotFoundError'))) throw err;
    const anyDevice = (t: MediaStreamConstraints['audio']) => {
      if (!t || typeof t !== 'object' || !t.deviceId) return t;
      const { deviceId: _chosen, ...rest } = t;
      return Object.keys(rest).length > 0 ? rest : true;
    };
    const fallback = { audio: anyDevice(c.audio), video: anyDevice(c.video) };
    if (fallback.audio === c.audio && fallback.video === c.video) throw err;
    return navigator.mediaDevices.getUserMedia(fallback);
  }
}
