/**
 * One call: wires the signaling session, the peer connections, local media and the call view.
 * None of those parts knows the others; everything meets here.
 */
import type { ErrorCode, Peer, PeerId, Reaction, RoomSettings, Welcome } from '../server/protocol/events';
import type { LocalMedia } from './media/local-media';
import { IceRefresher } from './rtc/ice-refresh';
import { Mesh, type PeerStats } from './rtc/mesh';
import { RoomSession } from './session/session';
import { Emitter } from './shared/emitter';
import { isReaction } from './shared/reactions';
import { ReturnWatch } from './shared/returning';
import { errorWords, wordsFor } from './shared/errors';
import {
  emptyParticipants,
  othersOf,
  reconcile,
  reduceParticipants,
  type ParticipantEvent,
  type Participants,
} from './shared/participants';
import { TileActivity } from './ui/activity';
import { CallView } from './ui/call-view';
import type { Toasts } from './ui/toasts';

interface CallEvents {
  /** The first welcome: the call view is ready to be shown. */
  in: CallView;
  refused: { code: ErrorCode | null; error: unknown };
  ended: { reason: 'left' | 'kicked' };
}

export class Call extends Emitter<CallEvents> {
  readonly session: RoomSession;
  readonly mesh: Mesh;
  view: CallView | null = null;
  private state: Participants = emptyParticipants;
  private readonly activity = new TileActivity({
    stats: () => this.mesh.stats(),
    participants: () => this.state,
    grid: () => this.view?.grid,
  });
  private readonly firstFrames = new Set<PeerId>();
  private hand = false;
  private readonly returning: ReturnWatch;
  private over = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly ice: IceRefresher;

  constructor(
    private readonly room: string,
    auth: { name: string; password: string; admit?: string },
    private readonly media: LocalMedia,
    private readonly toasts: Toasts,
    private readonly joinClickedAt: number,
    /** How long the server keeps a dropped participant's place (RESUME_GRACE_MS, from the room page). */
    graceMs: number,
  ) {
    super();
    this.returning = new ReturnWatch(graceMs, (id) => {
      this.dispatch({ type: 'left', id, reason: 'disconnected' });
      this.mesh.close(id);
    });
    this.session = new RoomSession({ room, name: auth.name, password: auth.password || undefined, admit: auth.admit });
    this.mesh = new Mesh((to, msg) => this.session.signal({ to, ...msg }));
    this.ice = new IceRefresher(
      () => this.session.refreshIce(),
      (servers) => this.mesh.updateIceServers(servers as RTCIceServer[]),
    );
    this.wireSession();
    this.wireMesh();
    this.wireMedia();
  }

  get selfId(): PeerId | null {
    return this.state.selfId;
  }

  start(): void {
    this.session.connect();
  }

  stats(): Promise<Record<PeerId, PeerStats>> {
    return this.mesh.stats();
  }

  /** Gives up a join that has not got in yet (e.g. while waiting for the service to come back). */
  cancel(): void {
    if (this.over || this.view) return;
    this.over = true;
    this.session.close();
    this.stopAll();
  }

  async leave(): Promise<void> {
    if (this.over) return;
    await this.session.leave();
    this.finish('left');
  }

  toggleHand(): void {
    this.hand = !this.hand;
    this.session.hand(this.hand);
    this.dispatch({ type: 'self-hand', raised: this.hand });
    this.view?.controls.setHand(this.hand);
  }

  private wireSession(): void {
    const s = this.session;
    s.on('welcome', (w) => this.onWelcome(w));
    s.on('joined', (p) => {
      this.returning.back(p.id);
      const known = this.state.list.some((x) => x.id === p.id);
      this.dispatch({ type: 'joined', peer: p });
      // An existing member waits for the newcomer's offer; the connection is ready to answer it.
      this.mesh.connect(p.id, false);
      if (!known) this.toasts.show(`${p.name} joined`);
    });
    s.on('left', ({ id, reason }) => {
      this.returning.back(id);
      const peer = this.state.list.find((p) => p.id === id);
      this.dispatch({ type: 'left', id, reason });
      this.mesh.close(id);
      if (peer) this.toasts.show(reason === 'kicked' ? `${peer.name} was removed` : `${peer.name} left`);
    });
    s.on('updated', ({ id, ...patch }) => {
      const before = this.state.list.find((p) => p.id === id);
      this.dispatch({ type: 'updated', id, patch });
      if (!before) return;
      if (patch.hand && !before.hand && id !== this.state.selfId) this.toasts.show(`${before.name} raised a hand`);
      if (patch.host && !before.host && id === this.state.selfId) this.toasts.show('You are now the host');
      if (id !== this.state.selfId) return;
      if (patch.cohost !== undefined && patch.cohost !== !!before.cohost) {
        this.toasts.show(patch.cohost ? 'You are now a co-host' : 'You are no longer a co-host');
      }
      // Only a host or co-host lowers our hand for us (the server never echoes our own change).
      if (patch.hand === false && this.hand) {
        this.hand = false;
        this.view?.controls.setHand(false);
        this.toasts.show('A host lowered your hand');
      }
    });
    s.on('signal', (m) => this.mesh.handleSignal(m));
    s.on('chat', (m) => {
      if (!this.view || !this.view.chat.add(m, this.state.selfId ?? '')) return;
      if (!this.view.chatOpen) {
        this.view.addUnread();
        this.toasts.show(`${m.name}: ${m.text.length > 80 ? `${m.text.slice(0, 80)}…` : m.text}`, 'info', 4000, 'chat');
      }
    });
    s.on('settings', (settings) => this.onSettings(settings));
    s.on('hands', (queue) => this.dispatch({ type: 'hands', queue }));
    s.on('knocks', (knocks) => {
      const known = new Set(this.state.knocks.map((k) => k.id));
      this.dispatch({ type: 'knocks', knocks });
      const fresh = knocks.filter((k) => !known.has(k.id));
      if (fresh.length === 1) this.toasts.show(`${fresh[0].name} is asking to join: see People`, 'info', 6000, 'knock');
      else if (fresh.length > 1) this.toasts.show(`${fresh.length} people are asking to join: see People`, 'info', 6000, 'knock');
    });
    s.on('reaction', ({ id, emoji }) => {
      if (isReaction(emoji) && id !== this.state.selfId) this.view?.grid.tile(id)?.react(emoji);
    });
    s.on('media-refused', (error) => {
      // Sharing was locked before our screen went on: nothing changed for the others, so stop it here too.
      if (error.code === 'NOT_HOST' && this.media.state.screen) this.media.stopScreen();
      this.toasts.show(this.refusal(error), 'error');
    });
    s.on('mute-request', ({ by }) => {
      void this.media.setAudio(false);
      const who = this.state.list.find((p) => p.id === by)?.name ?? 'The host';
      this.toasts.show(`${who} muted you. Turn on your microphone when you want to speak.`);
    });
    s.on('kicked', () => this.finish('kicked'));
    s.on('refused', (r) => {
      if (this.view) {
        this.toasts.show(r.code ? wordsFor(r.code) : 'The connection to the meeting was lost', 'error', 8000);
        this.finish(r.code === 'BANNED' ? 'kicked' : 'left');
      } else {
        this.stopAll();
        this.emit('refused', r);
      }
    });
    s.on('status', (status) => this.view?.setReconnecting(status === 'reconnecting' || status === 'connecting'));
  }

  private onWelcome(w: Welcome): void {
    const previous = this.state.selfId;
    const plan = reconcile(previous, this.mesh.ids(), w);
    if (previous && previous !== w.self.id) this.toasts.show('Reconnected to the meeting');
    const before = this.state.list;
    for (const p of w.peers) this.returning.back(p.id);
    // After a server lost its state, peers come back one by one: a live connection to someone missing
    // from this welcome is kept for a while, in case they are only slower to come back than we were.
    const waiting = previous === w.self.id ? plan.close.filter((id) => this.mesh.linkState(id)?.connectionState === 'connected') : [];
    for (const id of plan.close) if (!waiting.includes(id)) this.mesh.close(id);
    this.mesh.configure(w.self.id, w.iceServers as RTCIceServer[]);
    this.ice.schedule(w.iceServers);
    this.state = reduceParticipants(this.state, { type: 'welcome', welcome: w });
    for (const id of waiting) this.awaitReturn(before.find((p) => p.id === id));
    this.dispatch({ type: 'self-media', media: this.media.state });
    this.dispatch({ type: 'self-hand', raised: this.hand });
    // We are the newcomer to these peers: we send the first offer.
    for (const id of plan.offer) this.mesh.connect(id, true);
    this.session.media(this.media.state);
    if (this.hand !== w.self.hand) this.session.hand(this.hand);
    const first = !this.view;
    if (first) this.view = this.buildView();
    this.view!.chat.history(w.chat, w.self.id);
    this.view!.setReconnecting(false);
    this.render();
    if (first) {
      this.startPolling();
      this.emit('in', this.view!);
    }
  }

  /** Applies a `room:updated` and says what changed. */
  private onSettings(settings: RoomSettings): void {
    const before = this.state;
    this.dispatch({ type: 'settings', settings });
    const changed = (key: keyof RoomSettings) => settings[key] !== undefined && settings[key] !== before[key];
    if (changed('locked')) this.toasts.show(settings.locked ? 'The meeting is locked: nobody else can join' : 'The meeting is unlocked');
    if (changed('chatLocked')) {
      this.toasts.show(settings.chatLocked ? 'Chat is locked: only hosts can send messages' : 'Everyone can send messages again');
    }
    if (changed('screenLocked')) {
      this.toasts.show(
        settings.screenLocked ? 'Screen sharing is locked: only hosts can share their screen' : 'Everyone can share their screen again',
      );
    }
  }

  /** The server's own words for a refusal (fixed per code), else ours. */
  private refusal(error: unknown): string {
    const message = (error as { message?: unknown } | null)?.message;
    return error && typeof error === 'object' && 'code' in error && typeof message === 'string' && message ? message : errorWords(error);
  }

  /** Runs a host or co-host request; a refusal (say, the role was just taken away) shows as a notice. */
  private hostRequest(request: () => Promise<void>, done?: string): void {
    request().then(
      () => done && this.toasts.show(done),
      (error: unknown) => this.toasts.show(this.refusal(error), 'error'),
    );
  }

  private react(emoji: Reaction): void {
    this.session.react(emoji).then(
      () => this.view?.grid.tile(this.state.selfId ?? '')?.react(emoji),
      // Over the reaction budget (or offline): the reaction is simply not sent.
      () => undefined,
    );
  }

  private awaitReturn(peer: Peer | undefined): void {
    if (!peer) return;
    this.state = reduceParticipants(this.state, { type: 'joined', peer });
    this.returning.wait(peer.id);
  }

  private wireMesh(): void {
    this.mesh.on('stream', ({ id, stream }) => this.view?.grid.tile(id)?.setStream(stream));
    this.mesh.on('screen', () => this.render());
    this.mesh.on('state', ({ id, connectionState }) => {
      if (connectionState === 'failed') this.view?.grid.tile(id)?.setQuality('poor');
    });
  }

  private wireMedia(): void {
    this.unsubscribe.push(
      this.media.on('tracks', (t) => {
        this.mesh.setTracks(t);
        this.activity.attachMic(t.audio);
      }),
      this.media.on('state', (m) => {
        this.session.media(m);
        this.dispatch({ type: 'self-media', media: m });
        if (this.view) this.showMedia(this.view);
      }),
      this.media.on('preview', (stream) => this.view?.grid.tile(this.state.selfId ?? '')?.setStream(stream)),
      this.media.on('screen-preview', () => this.render()),
      this.media.on('notice', (text) => this.toasts.show(text, 'error')),
    );
    this.mesh.setTracks(this.media.outgoing);
    this.activity.attachMic(this.media.outgoing.audio);
  }

  private buildView(): CallView {
    const view = new CallView(this.room, {
      toggleAudio: () => void this.media.setAudio(!this.media.state.audio),
      toggleVideo: () => void this.media.setVideo(!this.media.state.video),
      toggleScreen: () => (this.media.state.screen ? this.media.stopScreen() : void this.media.startScreen()),
      toggleHand: () => this.toggleHand(),
      react: (emoji) => this.react(emoji),
      copyLink: () => this.toasts.copyLink(`${location.origin}/r/${this.room}`),
      leave: () => void this.leave(),
      lock: (locked) => this.session.lock(locked),
      mute: (id) => {
        this.session.askToMute(id);
        this.toasts.show('Asked to mute');
      },
      kick: (id) => this.session.kick(id),
      setCohost: (id, cohost) => this.hostRequest(() => this.session.setCohost(id, cohost)),
      changeSettings: (patch) => this.hostRequest(() => this.session.changeSettings(patch)),
      muteAll: () => this.hostRequest(() => this.session.muteAll(), 'Asked everyone to mute'),
      lowerHand: (id) => this.hostRequest(() => this.session.lowerHand(id)),
      admit: (id) => this.hostRequest(() => this.session.admit({ id })),
      admitAll: () => this.hostRequest(() => this.session.admit({ all: true })),
      deny: (id) => this.hostRequest(() => this.session.deny(id)),
      sendChat: async (text) => {
        const m = await this.session.chat(text);
        this.view?.chat.add(m, this.state.selfId ?? '');
        return m;
      },
      pickDevice: (kind, id) => {
        if (kind === 'audiooutput') for (const t of this.view?.grid.all() ?? []) void t.setSink(id);
        else void this.media.selectDevice(kind, id);
      },
      firstFrame: (id) => {
        if (!this.firstFrames.has(id)) console.info(`parley:first-frame ${Math.round(performance.now() - this.joinClickedAt)}`);
        this.firstFrames.add(id);
      },
      chatOpened: () => this.toasts.clear('chat'),
      soundBlocked: () => this.toasts.show('Click anywhere to hear the others'),
    });
    view.el.addEventListener('chat-error', (ev) => {
      const error = (ev as CustomEvent<unknown>).detail;
      // A refusal by the server says why in its words (e.g. only hosts may send now); anything else could not be sent.
      const refused = !!error && typeof error === 'object' && 'code' in error;
      this.toasts.show(refused ? this.refusal(error) : 'The message could not be sent', 'error');
    });
    document.addEventListener('click', () => view.grid.all().forEach((t) => t.unblock()), { once: true });
    this.showMedia(view);
    view.controls.setHand(this.hand);
    return view;
  }

  /** The control bar shows what local media is on, and what could be. */
  private showMedia(view: CallView): void {
    const m = this.media.state;
    view.controls.mic.set(m.audio, this.media.available.audio);
    view.controls.cam.set(m.video, this.media.available.video);
    view.controls.setScreen(m.screen, !!navigator.mediaDevices?.getDisplayMedia);
  }

  private dispatch(ev: ParticipantEvent): void {
    this.state = reduceParticipants(this.state, ev);
    this.render();
  }

  private render(): void {
    if (!this.view || !this.state.selfId) return;
    const hadSelf = !!this.view?.grid.tile(this.state.selfId ?? '');
    const screens = new Map<PeerId, MediaStream>();
    for (const p of this.state.list) {
      const stream = p.id === this.state.selfId ? this.media.screenPreview : p.media.screen ? this.mesh.screenStream(p.id) : null;
      if (stream) screens.set(p.id, stream);
    }
    this.view.render({ ...this.state, selfId: this.state.selfId }, screens);
    if (!hadSelf) this.view?.grid.tile(this.state.selfId ?? '')?.setStream(this.media.cameraPreview);
    for (const p of othersOf(this.state)) {
      const stream = this.mesh.stream(p.id);
      if (stream) this.view.grid.tile(p.id)?.setStream(stream);
    }
  }

  private startPolling(): void {
    this.activity.start();
    // A network change (Wi-Fi to cellular) breaks the ICE paths: look for new ones at once.
    const online = () => this.mesh.restartAll();
    window.addEventListener('online', online);
    this.unsubscribe.push(() => window.removeEventListener('online', online));
  }

  private stopAll(): void {
    this.ice.stop();
    this.activity.stop();
    this.returning.stop();
    for (const off of this.unsubscribe.splice(0)) off();
    this.mesh.closeAll();
  }

  private finish(reason: 'left' | 'kicked'): void {
    if (this.over) return;
    this.over = true;
    this.session.close();
    this.stopAll();
    this.emit('ended', { reason });
  }
}
