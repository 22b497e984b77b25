/**
 * One RTCPeerConnection to one remote participant.
 *
 * The first offer comes from the newcomer only (`initiator`); the other side answers it and never
 * offers before that. Every later renegotiation (ICE restart) follows perfect negotiation, with
 * `polite` decided by PeerId order. The microphone and camera are switched with replaceTrack on one audio
 * and one video transceiver (no renegotiation); a shared screen gets a video transceiver of its own, added
 * once and renegotiated, then reused with replaceTrack for later shares.
 */
import type { PeerId, SignalIn } from '../../server/protocol/events';
import { Emitter } from '../shared/emitter';

export interface PeerLinkOptions {
  remoteId: PeerId;
  polite: boolean;
  initiator: boolean;
  iceServers: RTCIceServer[];
  tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null; screen: MediaStreamTrack | null };
  send: (msg: Omit<SignalIn, 'from'>) => void;
}

export interface LinkState {
  connectionState: RTCPeerConnectionState;
  iceState: RTCIceConnectionState;
}

interface PeerLinkEvents {
  /** The remote microphone and camera. */
  stream: MediaStream;
  /** The remote shared screen (its track exists from the first share on). */
  screen: MediaStream;
  state: LinkState;
  /** Both sides offered first (each thought the other was there before); the polite side starts over as answerer. */
  glare: Omit<SignalIn, 'from'>;
}

/** How long a connection may take before an ICE restart; the polite side waits longer so both rarely restart at once. */
const CONNECT_TIMEOUT_MS = 5000;
const POLITE_EXTRA_MS = 2500;
const DISCONNECTED_GRACE_MS = 2000;
const MAX_BACKOFF_MS = 20000;

export class PeerLink extends Emitter<PeerLinkEvents> {
  readonly pc: RTCPeerConnection;
  readonly remoteId: PeerId;
  readonly stream = new MediaStream();
  readonly screenStream = new MediaStream();
  private readonly polite: boolean;
  private readonly initiator: boolean;
  private readonly send: PeerLinkOptions['send'];
  private local: PeerLinkOptions['tracks'];
  private audio: RTCRtpTransceiver | null = null;
  private video: RTCRtpTransceiver | null = null;
  private screen: RTCRtpTransceiver | null = null;
  private makingOffer = false;
  private ignoreOffer = false;
  /** The first offer/answer exchange is done: from now on either side may offer. */
  private negotiated = false;
  private pending: RTCIceCandidateInit[] = [];
  private lastOffer: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private restarts = 0;
  private closed = false;

  constructor(opts: PeerLinkOptions) {
    super();
    this.remoteId = opts.remoteId;
    this.polite = opts.polite;
    this.initiator = opts.initiator;
    this.send = opts.send;
    this.local = { ...opts.tracks };
    this.pc = new RTCPeerConnection({ iceServers: opts.iceServers, bundlePolicy: 'max-bundle' });
    this.pc.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) this.send({ candidate: candidate.toJSON() });
    });
    this.pc.addEventListener('track', ({ track, transceiver }) => this.addRemoteTrack(track, transceiver));
    this.pc.addEventListener('negotiationneeded', () => void this.negotiate());
    this.pc.addEventListener('connectionstatechange', () => this.onStateChange());
    this.pc.addEventListener('iceconnectionstatechange', () => this.onStateChange());
    if (this.initiator) {
      this.audio = this.pc.addTransceiver('audio', { direction: 'sendrecv' });
      this.video = this.pc.addTransceiver('video', { direction: 'sendrecv' });
      void this.applyTracks();
    }
    this.arm(this.timeout());
  }

  get state(): LinkState {
    return { connectionState: this.pc.connectionState, iceState: this.pc.iceConnectionState };
  }

  /** Signals are applied one at a time, in order, so a candidate never overtakes its description. */
  handleSignal(msg: Omit<SignalIn, 'from'>): void {
    this.queue = this.queue.then(() => this.apply(msg)).catch((err: unknown) => console.warn('parley: signal failed', this.remoteId, err));
  }

  setTracks(tracks: PeerLinkOptions['tracks']): void {
    this.local = { ...tracks };
    void this.applyTracks();
  }

  /** Servers for the next ICE gathering (an ICE restart); what is connected now carries on as it is. */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.closed) return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch (err) {
      console.warn('parley: could not apply new ICE servers', this.remoteId, err);
    }
  }

  /** Restarts ICE now (also used when the network changes). */
  restartIce(reason = 'network change'): void {
    if (this.closed) return;
    console.info(`parley: ICE restart with ${this.remoteId} (${reason}, ${this.pc.connectionState})`);
    if (!this.negotiated) {
      // Our first offer went unanswered (it or its answer was lost, or is late): send it again, as it is. An offer
      // made anew would bring other m-lines, which the other side cannot take if it did answer the first one.
      const offer = this.pc.localDescription;
      if (this.initiator && this.pc.signalingState === 'have-local-offer' && offer) {
        this.send({ description: { type: 'offer', sdp: offer.sdp } });
      }
      return;
    }
    this.pc.restartIce();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.pc.close();
    for (const t of [...this.stream.getTracks(), ...this.screenStream.getTracks()]) t.stop();
  }

  private async negotiate(): Promise<void> {
    // Existing members only answer the newcomer's first offer.
    if (this.closed || (!this.initiator && !this.negotiated)) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const desc = this.pc.localDescription;
      if (desc) this.send({ description: { type: desc.type, sdp: desc.sdp } });
    } catch (err) {
      console.warn('parley: offer failed', this.remoteId, err);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply({ description, candidate }: Omit<SignalIn, 'from'>): Promise<void> {
    if (this.closed) return;
    if (description) {
      const collision = description.type === 'offer' && (this.makingOffer || this.pc.signalingState !== 'stable');
      if (description.type === 'offer' && description.sdp === this.lastOffer) {
        // An offer we answered, sent again: our answer was lost or is late. Answer again while nothing came after it.
        const answer = this.pc.localDescription;
        if (this.pc.signalingState === 'stable' && answer?.type === 'answer')
          this.send({ description: { type: 'answer', sdp: answer.sdp } });
        return;
      }
      if (collision && !this.negotiated) {
        // Both sides sent a first offer. The polite side starts over as answerer; the impolite one keeps its
        // own and sends it again, in case the other side never got it (it was away when it was first sent).
        if (this.polite) this.emit('glare', { description });
        else if (this.pc.localDescription) this.send({ description: { type: 'offer', sdp: this.pc.localDescription.sdp } });
        return;
      }
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await this.pc.setRemoteDescription(description as RTCSessionDescriptionInit);
      if (description.type === 'offer') {
        this.lastOffer = description.sdp;
        if (!this.audio || !this.video) this.adoptTransceivers();
        await this.applyTracks();
        await this.pc.setLocalDescription();
        const desc = this.pc.localDescription;
        if (desc) this.send({ description: { type: desc.type, sdp: desc.sdp } });
      }
      this.negotiated = true;
      void this.applyTracks();
      const queued = this.pending;
      this.pending = [];
      for (const c of queued) await this.addCandidate(c);
    } else if (candidate) {
      if (!this.pc.remoteDescription) this.pending.push(candidate as RTCIceCandidateInit);
      else await this.addCandidate(candidate as RTCIceCandidateInit);
    }
  }

  private async addCandidate(c: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(c);
    } catch (err) {
      // Candidates of an offer we ignored, or of a generation we restarted away from, are expected to fail.
      if (!this.ignoreOffer) console.debug('parley: candidate not added', err);
    }
  }

  /** The answering side: the offer created the transceivers; send on them too. */
  private adoptTransceivers(): void {
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind;
      if (kind === 'audio' && !this.audio) this.audio = t;
      else if (kind === 'video' && !this.video) this.video = t;
      else continue;
      t.direction = 'sendrecv';
    }
  }

  private async applyTracks(): Promise<void> {
    if (this.closed) return;
    // The screen transceiver is added only after the first exchange, so the newcomer's first offer stays simple.
    if (this.local.screen && !this.screen && this.negotiated) {
      this.screen = this.pc.addTransceiver(this.local.screen, { direction: 'sendonly' });
    }
    const jobs: Promise<void>[] = [];
    for (const [t, track] of [
      [this.audio, this.local.audio],
      [this.video, this.local.video],
      [this.screen, this.local.screen],
    ] as const) {
      if (t && t.sender.track !== track) jobs.push(t.sender.replaceTrack(track));
    }
    await Promise.all(jobs).catch((err: unknown) => console.warn('parley: replaceTrack failed', err));
  }

  private addRemoteTrack(track: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    // On the answering side the first offer's transceivers arrive here before the answer is made.
    if (!this.audio || !this.video) this.adoptTransceivers();
    const target =
      transceiver === this.audio || transceiver === this.video ? this.stream : track.kind === 'video' ? this.screenStream : null;
    if (!target) return;
    for (const old of target.getTracks()) if (old.kind === track.kind && old !== track) target.removeTrack(old);
    if (!target.getTracks().includes(track)) target.addTrack(track);
    this.emit(target === this.stream ? 'stream' : 'screen', target);
  }

  private timeout(): number {
    const base = CONNECT_TIMEOUT_MS + (this.polite ? POLITE_EXTRA_MS : 0);
    return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(this.restarts, 3));
  }

  private arm(ms: number): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.check(), ms);
  }

  private onStateChange(): void {
    if (this.closed) return;
    const s = this.pc.connectionState;
    if (s === 'connected') {
      this.restarts = 0;
      if (this.watchdog) clearTimeout(this.watchdog);
      this.watchdog = null;
    } else if (s === 'disconnected') {
      this.arm(DISCONNECTED_GRACE_MS + (this.polite ? POLITE_EXTRA_MS : 0));
    } else if (s === 'failed') {
      this.arm(this.polite ? POLITE_EXTRA_MS : 0);
    }
    this.emit('state', this.state);
  }

  /** Not connected in time (or dropped): restart ICE, then keep checking with backoff. */
  private check(): void {
    this.watchdog = null;
    if (this.closed || this.pc.connectionState === 'connected') return;
    if (this.negotiated || this.initiator) {
      this.restarts++;
      this.restartIce(`attempt ${this.restarts}`);
    }
    this.arm(this.timeout());
  }
}
