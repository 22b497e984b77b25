/** All peer connections of a call: one PeerLink per remote participant, created and closed by PeerId. */
import type { PeerId, SignalIn } from '../../server/protocol/events';
import { Emitter } from '../shared/emitter';
import { summarize, type StatEntry, type StatsSummary } from '../shared/stats';
import { PeerLink, type LinkState, type PeerLinkOptions } from './peer';

type Tracks = PeerLinkOptions['tracks'];

interface MeshEvents {
  stream: { id: PeerId; stream: MediaStream };
  screen: { id: PeerId; stream: MediaStream };
  state: { id: PeerId } & LinkState;
}

export interface PeerStats extends StatsSummary, LinkState {}

export class Mesh extends Emitter<MeshEvents> {
  private readonly links = new Map<PeerId, PeerLink>();
  private tracks: Tracks = { audio: null, video: null, screen: null };
  private selfId: PeerId = '';
  private iceServers: RTCIceServer[] = [];

  constructor(private readonly send: (to: PeerId, msg: Omit<SignalIn, 'from'>) => void) {
    super();
  }

  /** Who we are and which servers to use, from the latest welcome (its credentials are fresh: links take them too). */
  configure(selfId: PeerId, iceServers: RTCIceServer[]): void {
    this.selfId = selfId;
    this.updateIceServers(iceServers);
  }

  /** Fresh servers (renewed TURN credentials): for new connections, and for every ICE restart of the current ones. */
  updateIceServers(iceServers: RTCIceServer[]): void {
    this.iceServers = iceServers;
    for (const link of this.links.values()) link.setIceServers(iceServers);
  }

  ids(): PeerId[] {
    return [...this.links.keys()];
  }

  /** The media received from a peer so far (null before its first track). */
  stream(id: PeerId): MediaStream | null {
    const link = this.links.get(id);
    return link && link.stream.getTracks().length > 0 ? link.stream : null;
  }

  /** The screen a peer shares (its track exists once it shared at least once). */
  screenStream(id: PeerId): MediaStream | null {
    const link = this.links.get(id);
    return link && link.screenStream.getTracks().length > 0 ? link.screenStream : null;
  }

  linkState(id: PeerId): LinkState | undefined {
    return this.links.get(id)?.state;
  }

  /** Connects to a peer: as the newcomer (`initiator`, we send the first offer) or as an existing member (we answer). */
  connect(id: PeerId, initiator: boolean): PeerLink {
    const existing = this.links.get(id);
    if (existing) return existing;
    const link = new PeerLink({
      remoteId: id,
      polite: this.selfId > id,
      initiator,
      iceServers: this.iceServers,
      tracks: this.tracks,
      send: (msg) => this.send(id, msg),
    });
    this.links.set(id, link);
    link.on('stream', (stream) => this.emit('stream', { id, stream }));
    link.on('screen', (stream) => this.emit('screen', { id, stream }));
    link.on('state', (state) => this.emit('state', { id, ...state }));
    link.on('glare', (msg) => {
      // Start over as the answering side and take the other side's offer.
      this.close(id);
      this.connect(id, false).handleSignal(msg);
    });
    return link;
  }

  handleSignal(msg: SignalIn): void {
    if (msg.from === this.selfId) return;
    const { from, ...rest } = msg;
    // A signal from a peer we have no connection with: it is the newcomer, we answer.
    (this.links.get(from) ?? this.connect(from, false)).handleSignal(rest);
  }

  setTracks(tracks: Tracks): void {
    this.tracks = { ...tracks };
    for (const link of this.links.values()) link.setTracks(this.tracks);
  }

  restartAll(): void {
    for (const link of this.links.values()) link.restartIce();
  }

  close(id: PeerId): void {
    const link = this.links.get(id);
    if (!link) return;
    this.links.delete(id);
    link.close();
  }

  closeAll(): void {
    for (const id of this.ids()) this.close(id);
  }

  async stats(): Promise<Record<PeerId, PeerStats>> {
    const out: Record<PeerId, PeerStats> = {};
    await Promise.all(
      [...this.links].map(async ([id, link]) => {
        let entries: StatEntry[] = [];
        try {
          const report = await link.pc.getStats();
          entries = [...report.values()] as StatEntry[];
        } catch {
          // A connection closing while we ask: report it empty.
        }
        out[id] = { ...summarize(entries), ...link.state };
      }),
    );
    return out;
  }
}
