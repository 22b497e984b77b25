/** Speaking highlight and connection quality on the tiles, sampled from getStats (remote) and WebAudio (self). */
import type { PeerId } from '../../server/protocol/events';
import { LevelMeter } from '../media/level';
import type { PeerStats } from '../rtc/mesh';
import { selfOf, type Participants } from '../shared/participants';
import { quality, type StatsSummary } from '../shared/stats';
import type { Grid } from './grid';

const SPEAKING_LEVEL = 0.04;
const POLL_MS = 700;

export interface ActivitySources {
  stats(): Promise<Record<PeerId, PeerStats>>;
  participants(): Participants;
  grid(): Grid | undefined;
}

export class TileActivity {
  private readonly prev = new Map<PeerId, StatsSummary>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly meter = new LevelMeter();

  constructor(private readonly from: ActivitySources) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sample(), POLL_MS);
  }

  /** The local microphone, whose level lights up the self tile. */
  attachMic(track: MediaStreamTrack | null): void {
    this.meter.attach(track);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.meter.close();
  }

  private async sample(): Promise<void> {
    if (!this.from.grid()) return;
    const stats = await this.from.stats();
    const grid = this.from.grid();
    const state = this.from.participants();
    for (const [id, s] of Object.entries(stats)) {
      const tile = grid?.tile(id);
      if (!tile) continue;
      tile.setSpeaking((s.audioLevel ?? 0) > SPEAKING_LEVEL && state.list.find((p) => p.id === id)?.media.audio === true);
      tile.setQuality(quality(this.prev.get(id) ?? null, s, s.connectionState));
      this.prev.set(id, s);
    }
    const self = selfOf(state);
    const selfTile = state.selfId ? grid?.tile(state.selfId) : undefined;
    selfTile?.setSpeaking(!!self?.media.audio && this.meter.level() > SPEAKING_LEVEL / 2);
  }
}
