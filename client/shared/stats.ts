/** Reading a peer connection's getStats() entries: what tests and the quality indicator need. Pure. */

/** The fields of RTCStats entries this module reads (a plain-object view, so it runs anywhere). */
export interface StatEntry {
  type: string;
  id: string;
  kind?: string;
  framesDecoded?: number;
  packetsReceived?: number;
  packetsLost?: number;
  audioLevel?: number;
  currentRoundTripTime?: number;
  state?: string;
  nominated?: boolean;
  selectedCandidatePairId?: string;
  bytesReceived?: number;
}

export interface StatsSummary {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoPacketsReceived: number;
  packetsLost: number;
  /** Seconds, from the selected candidate pair; null when unknown. */
  rtt: number | null;
  /** 0..1 of the loudest inbound audio stream; null when there is none. */
  audioLevel: number | null;
}

export function summarize(entries: Iterable<StatEntry>): StatsSummary {
  const out: StatsSummary = {
    framesDecoded: 0,
    audioPacketsReceived: 0,
    videoPacketsReceived: 0,
    packetsLost: 0,
    rtt: null,
    audioLevel: null,
  };
  const all = [...entries];
  const byId = new Map(all.map((e) => [e.id, e]));
  let selectedPair: string | undefined;
  for (const e of all) {
    if (e.type === 'inbound-rtp') {
      out.packetsLost += Math.max(0, e.packetsLost ?? 0);
      if (e.kind === 'video') {
        out.framesDecoded += e.framesDecoded ?? 0;
        out.videoPacketsReceived += e.packetsReceived ?? 0;
      } else if (e.kind === 'audio') {
        out.audioPacketsReceived += e.packetsReceived ?? 0;
        if (typeof e.audioLevel === 'number') out.audioLevel = Math.max(out.audioLevel ?? 0, e.audioLevel);
      }
    } else if (e.type === 'transport' && e.selectedCandidatePairId) {
      selectedPair = e.selectedCandidatePairId;
    }
  }
  const pair =
    (selectedPair ? byId.get(selectedPair) : undefined) ??
    all.find((e) => e.type === 'candidate-pair' && e.nominated && e.state === 'succeeded');
  if (pair && typeof pair.currentRoundTripTime === 'number') out.rtt = pair.currentRoundTripTime;
  return out;
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

/**
 * Connection quality from two successive summaries: packet loss over the interval and round-trip time.
 * A connection that is not connected is poor.
 */
export function quality(prev: StatsSummary | null, next: StatsSummary, connectionState: string): Quality {
  if (connectionState === 'failed' || connectionState === 'disconnected') return 'poor';
  if (connectionState !== 'connected') return 'unknown';
  const received =
    next.audioPacketsReceived + next.videoPacketsReceived - (prev ? prev.audioPacketsReceived + prev.videoPacketsReceived : 0);
  const lost = next.packetsLost - (prev?.packetsLost ?? 0);
  const loss = received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0;
  const rtt = next.rtt ?? 0;
  if (loss > 0.1 || rtt > 0.5) return 'poor';
  if (loss > 0.02 || rtt > 0.25) return 'fair';
  return 'good';
}

/** A delay of `baseMs` plus up to `spreadMs` more, so that many clients told at once do not move in lockstep. */
export function jittered(baseMs: number, random: number, spreadMs = 250): number {
  return Math.round(Math.max(0, baseMs) + spreadMs * Math.min(1, Math.max(0, random)));
}
