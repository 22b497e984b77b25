/**
 * Recording a call on this device: everyone is told first (the server relays and remembers it), then the stage and
 * the voices are recorded; stopping (or leaving) saves the file and offers it to download.
 */
import type { PeerId } from '../server/protocol/events';
import { t } from './i18n';
import type { LocalMedia } from './media/local-media';
import { CallRecorder, type RecordingSource, type StageTile } from './media/recorder';
import type { Mesh } from './rtc/mesh';
import type { RoomSession } from './session/session';
import type { Participants } from './shared/participants';
import { recordingFileName } from './shared/record-layout';
import type { Grid } from './ui/grid';
import { RecordButton, RecordingFiles } from './ui/recording';
import type { Toasts } from './ui/toasts';

export interface CallRecordingDeps {
  /** The meeting's code, for the file name. */
  room: string;
  session: Pick<RoomSession, 'recording'>;
  media: Pick<LocalMedia, 'outgoing' | 'state'>;
  mesh: Pick<Mesh, 'stream' | 'screenStream'>;
  state(): Participants;
  grid(): Grid | undefined;
  button(): RecordButton | undefined;
  toasts: Toasts;
  /** Our own recording started or stopped: shown on our tile and in the People list. */
  changed(on: boolean): void;
}

export class CallRecording {
  readonly files = new RecordingFiles();
  private readonly type = CallRecorder.mimeType();
  private recorder: CallRecorder | null = null;
  private startedAt = new Date();
  private busy = false;
  private readonly keepPage = (ev: BeforeUnloadEvent) => ev.preventDefault();

  constructor(private readonly d: CallRecordingDeps) {}

  get on(): boolean {
    return this.recorder !== null;
  }

  get possible(): boolean {
    return this.type !== null;
  }

  toggle(): void {
    if (this.busy) return;
    void (this.on ? this.stop() : this.start());
  }

  /** Tells everyone, then records. Nothing is recorded unless the server took the notice. */
  async start(): Promise<void> {
    if (this.on || this.busy || !this.type) return;
    this.setBusy(true);
    try {
      await this.d.session.recording(true);
    } catch {
      this.setBusy(false);
      this.d.toasts.show(t('rec.failed'), 'error');
      return;
    }
    try {
      const recorder = new CallRecorder(this.source(), this.type);
      await recorder.start();
      this.recorder = recorder;
      this.startedAt = new Date();
    } catch {
      void this.d.session.recording(false).catch(() => undefined);
      this.setBusy(false);
      this.d.toasts.show(t('rec.failed'), 'error');
      return;
    }
    window.addEventListener('beforeunload', this.keepPage);
    this.setBusy(false);
    this.d.changed(true);
    this.d.toasts.show(t('rec.self.started'));
  }

  /** Stops recording (if it does), tells everyone, and offers the file. */
  async stop(): Promise<void> {
    const recorder = this.recorder;
    if (!recorder) return;
    this.recorder = null;
    window.removeEventListener('beforeunload', this.keepPage);
    this.setBusy(true);
    this.d.changed(false);
    // Off the air at once; a connection that is away says so at its next welcome (see welcome()).
    void this.d.session.recording(false).catch(() => undefined);
    const name = recordingFileName(this.d.room, this.startedAt);
    this.d.toasts.show(t('rec.self.stopped', { file: name }));
    const file = await recorder.stop();
    this.setBusy(false);
    this.files.offer(file, name);
  }

  /** After a welcome (a reconnect too): what the room holds of us becomes what we do, if it is not. */
  welcome(serverSays: boolean): void {
    if (serverSays !== this.on) void this.d.session.recording(this.on).catch(() => undefined);
    this.showButton();
  }

  showButton(): void {
    this.d.button()?.set(this.on, this.possible, this.busy);
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.showButton();
  }

  /** The stage as it is on every frame: shared screens first (the first one large), then everyone, self first. */
  private source(): RecordingSource {
    const d = this.d;
    return {
      tiles: () => {
        const state = d.state();
        const grid = d.grid();
        const screens: StageTile[] = [];
        const people: StageTile[] = [];
        for (const p of state.list) {
          const self = p.id === state.selfId;
          const screen = grid?.screenVideo(p.id) ?? null;
          if (screen) screens.push({ name: p.name, video: screen, showVideo: true, screen: true });
          const video = self ? d.media.state.video : p.media.video;
          people.push({ name: p.name, video: grid?.tile(p.id)?.video ?? null, showVideo: video, screen: false });
        }
        return [...screens, ...people];
      },
      audio: () => {
        const state = d.state();
        const tracks: MediaStreamTrack[] = [];
        const mic = d.media.outgoing.audio;
        if (mic) tracks.push(mic);
        for (const p of state.list) {
          if (p.id === state.selfId) continue;
          tracks.push(...this.voices(p.id));
        }
        return tracks;
      },
    };
  }

  private voices(id: PeerId): MediaStreamTrack[] {
    return [...(this.d.mesh.stream(id)?.getAudioTracks() ?? []), ...(this.d.mesh.screenStream(id)?.getAudioTracks() ?? [])];
  }
}
