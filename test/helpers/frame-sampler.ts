/** Decoded frames on every tile of a call in Chromium, sampled from each page's receiving peer connections. */
import { sleep } from './browser';
import { parleyStats } from './frames';
import type { ClusterParticipant } from './call-cluster';

export interface FrameSample {
  /** Milliseconds since the sampler started. */
  t: number;
  /** framesDecoded by observer name, then by the remote PeerId; -1 when the page did not answer. */
  frames: Record<string, Record<string, number>>;
}

/** Frames decoded on all tiles in one sample (0 for none). */
function decodedIn(s: FrameSample | undefined): number {
  return s ? Object.values(s.frames).reduce((n, row) => n + Object.values(row).reduce((m, v) => m + Math.max(0, v), 0), 0) : 0;
}

export interface Stall {
  t: number;
  observer: string;
  from: string;
  before: number;
  after: number;
}

/**
 * Samples framesDecoded (the receiving peer connection's getStats) of every remote participant on every page, every
 * `intervalMs`, until stop().
 */
export class FrameSampler {
  readonly samples: FrameSample[] = [];
  private running = true;
  private readonly loop: Promise<void>;
  readonly startedAt = Date.now();

  constructor(
    private readonly people: ClusterParticipant[],
    intervalMs = 500,
  ) {
    this.loop = (async () => {
      while (this.running) {
        const next = Date.now() + intervalMs;
        const frames: FrameSample['frames'] = {};
        await Promise.all(
          people.map(async (p) => {
            const row: Record<string, number> = {};
            const stats = await parleyStats(p.page).catch(() => ({}) as Awaited<ReturnType<typeof parleyStats>>);
            for (const other of people) if (other !== p) row[other.id] = stats[other.id]?.framesDecoded ?? -1;
            frames[p.name] = row;
          }),
        );
        this.samples.push({ t: Date.now() - this.startedAt, frames });
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Every pair of consecutive samples in which some tile did not decode a new frame. */
  stalls(): Stall[] {
    const out: Stall[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      for (const p of this.people) {
        for (const other of this.people) {
          if (other === p) continue;
          const before = a.frames[p.name]?.[other.id] ?? -1;
          const after = b.frames[p.name]?.[other.id] ?? -1;
          if (!(after > before && before >= 0)) out.push({ t: b.t, observer: p.name, from: other.name, before, after });
        }
      }
    }
    return out;
  }

  /** Total frames decoded on all tiles in the first and the last sample. */
  totals(): { first: number; last: number } {
    return { first: decodedIn(this.samples[0]), last: decodedIn(this.samples.at(-1)) };
  }

  /** Frames decoded on all tiles in the samples nearest before and after `at` (epoch ms). */
  around(at: number, afterMs: number): { before: number; after: number } {
    const t = at - this.startedAt;
    const before = [...this.samples].reverse().find((s) => s.t <= t);
    const after = this.samples.find((s) => s.t >= t + afterMs) ?? this.samples.at(-1);
    return { before: decodedIn(before), after: decodedIn(after) };
  }
}
