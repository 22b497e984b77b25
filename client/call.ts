/**
 * One call: wires the signaling session, the peer connections, local media and the call view.
 * None of those parts knows the others; everything meets here.
 */
import type { Breakouts, ErrorCode, Peer, PeerId, Reaction, RoomSettings, Welcome } from '../server/protocol/events';
import { t } from './i18n';
import type { LocalMedia } from './media/local-media';
import { CallRecording } from './recording';
import { IceRefresher } from './rtc/ice-refresh';
import { Mesh, type PeerStats } from './rtc/mesh';
import { RoomSession } from './session/session';
import { countdown } from './shared/breakouts';
import { Emitter } from './shared/emitter';
import { isReaction } from './shared/reactions';
import { ReturnWatch } from './shared/returning';
import { errorCode, errorWords, wordsFor } from './shared/errors';
import {
  emptyParticipants,
  othersOf,
  reconcile,
  reduceParticipants,
  runsMeeting,
  selfOf,
  type ParticipantEvent,
  type Participants,
} from './shared/participants';
import { TileActivity } from './ui/activity';
import { CallView, type BreakoutPlace, type CallViewActions } from './ui/call-view';
import type { Toasts } from './ui/toasts';

interface CallEvents {
  /** The first welcome: the call view is ready to be shown. */
  in: CallView;
  refused: { code: ErrorCode | null; error: unknown };
  ended: { reason: 'left' | 'kicked' };
  /** Sent to a breakout room: this call has left the room; join `room` as `as` with `ticket`. */
  move: { room: string; name: string; ticket: string; endsAt: number; as: string };
  /** The breakout rooms closed: this call has left the breakout room; join the main room `room` as `as` with `ticket`. */
  return: { room: string; ticket: string; as: string };
}

/** Where a call takes place: the meeting's room code (shown, and in the meeting link) and the breakout room, if any. */
export interface CallPlace {
  meeting: string;
  breakout: BreakoutPlace | null;
}

/** How long after breakout rooms closed the people coming back are not announced one by one. */
const RETURN_QUIET_MS = 2 * 60_000;
/** A host's client closes breakout rooms this long after their timer ended, unless the server already did. */
const BREAKOUT_CLOSE_GRACE_MS = 1000;

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
  private readonly recording: CallRecording;
  /** The meeting's open breakout rooms, as told to the main room. */
  private breakouts: Breakouts | null = null;
  private stopBreakoutClock: () => void = () => undefined;
  /** Names of people sent to breakout rooms, not announced as they go and come back: until when (epoch ms). */
  private readonly away = new Map<string, number>();
  /** The breakout rooms last said to be open (their ids). */
  private announced = '';

  constructor(
    room: string,
    private readonly auth: { name: string; password: string; admit?: string },
    private readonly media: LocalMedia,
    private readonly toasts: Toasts,
    private readonly joinClickedAt: number,
    /** How long the server keeps a dropped participant's place (RESUME_GRACE_MS, from the room page). */
    graceMs: number,
    private readonly place: CallPlace = { meeting: room, breakout: null },
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
    this.recording = new CallRecording({
      room: this.place.meeting,
      session: this.session,
      media,
      mesh: this.mesh,
      state: () => this.state,
      grid: () => this.view?.grid,
      button: () => this.view?.controls.record,
      toasts,
      changed: (on) => {
        if (this.state.selfId) this.dispatch({ type: 'updated', id: this.state.selfId, patch: { recording: on } });
      },
    });
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
      if (!known && !this.isAway(p.name)) this.toasts.show(t('toast.joined', { name: p.name }));
    });
    s.on('left', ({ id, reason }) => {
      this.returning.back(id);
      const peer = this.state.list.find((p) => p.id === id);
      this.dispatch({ type: 'left', id, reason });
      this.mesh.close(id);
      if (peer && (reason === 'kicked' || !this.isAway(peer.name))) {
        this.toasts.show(t(reason === 'kicked' ? 'toast.removed' : 'toast.left', { name: peer.name }));
      }
    });
    s.on('updated', ({ id, ...patch }) => {
      const before = this.state.list.find((p) => p.id === id);
      this.dispatch({ type: 'updated', id, patch });
      if (!before) return;
      if (patch.hand && !before.hand && id !== this.state.selfId) this.toasts.show(t('toast.raisedHand', { name: before.name }));
      if (patch.host && !before.host && id === this.state.selfId) this.toasts.show(t('toast.nowHost'));
      if (id !== this.state.selfId) return;
      if (patch.cohost !== undefined && patch.cohost !== !!before.cohost) {
        this.toasts.show(t(patch.cohost ? 'toast.nowCohost' : 'toast.noLongerCohost'));
      }
      // Only a host or co-host lowers our hand for us (the server never echoes our own change).
      if (patch.hand === false && this.hand) {
        this.hand = false;
        this.view?.controls.setHand(false);
        this.toasts.show(t('toast.handLowered'));
      }
    });
    s.on('signal', (m) => this.mesh.handleSignal(m));
    s.on('chat', (m) => {
      if (!this.view || !this.view.chat.add(m, this.state.selfId ?? '')) return;
      if (!this.view.chatOpen) {
        this.view.addUnread();
        const text = m.text.length > 80 ? `${m.text.slice(0, 80)}…` : m.text;
        this.toasts.show(t('toast.chat', { name: m.name, text }), 'info', 4000, 'chat');
      }
    });
    s.on('settings', (settings) => this.onSettings(settings));
    s.on('hands', (queue) => this.dispatch({ type: 'hands', queue }));
    s.on('knocks', (knocks) => {
      const known = new Set(this.state.knocks.map((k) => k.id));
      this.dispatch({ type: 'knocks', knocks });
      const fresh = knocks.filter((k) => !known.has(k.id));
      if (fresh.length === 1) this.toasts.show(t('toast.knock', { name: fresh[0].name }), 'info', 6000, 'knock');
      else if (fresh.length > 1) this.toasts.show(t('toast.knocks', { count: fresh.length }), 'info', 6000, 'knock');
    });
    s.on('breakouts', (b) => this.onBreakouts(b));
    s.on('breakout-move', (m) => void this.handOver('move', m, t('toast.goingTo', { room: m.name })));
    s.on('breakout-return', (m) => void this.handOver('return', m, t('toast.goingBack')));
    s.on('breakout-message', ({ text, from }) =>
      this.toasts.show(from ? t('toast.breakoutMessage', { name: from, text }) : t('toast.breakoutMessageHost', { text }), 'info', 12_000),
    );
    s.on('breakout-help', ({ room, name }) => this.toasts.show(t('toast.help', { name, room }), 'info', 12_000, 'help'));
    s.on('reaction', ({ id, emoji }) => {
      if (isReaction(emoji) && id !== this.state.selfId) this.view?.grid.tile(id)?.react(emoji);
    });
    s.on('media-refused', (error) => {
      // Sharing was locked before our screen went on: nothing changed for the others, so stop it here too.
      if (error.code === 'NOT_HOST' && this.media.state.screen) this.media.stopScreen();
      this.toasts.show(error.code === 'NOT_HOST' ? t('controls.shareRefused') : this.refusal(error), 'error');
    });
    s.on('mute-request', ({ by }) => {
      void this.media.setAudio(false);
      const who = this.state.list.find((p) => p.id === by)?.name;
      this.toasts.show(who ? t('toast.mutedBy', { name: who }) : t('toast.mutedByHost'));
    });
    s.on('kicked', () => this.finish('kicked'));
    s.on('refused', (r) => {
      if (this.view) {
        this.toasts.show(r.code ? wordsFor(r.code) : t('toast.lost'), 'error', 8000);
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
    if (previous && previous !== w.self.id) this.toasts.show(t('toast.reconnected'));
    const before = this.state.list;
    for (const p of w.peers) this.returning.back(p.id);
    // After a server lost its state, peers come back one by one: a live connection to someone missing
    // from this welcome is kept for a while, in case they are only slower to come back than we were.
    const waiting = previous === w.self.id ? plan.close.filter((id) => this.mesh.linkState(id)?.connectionState === 'connected') : [];
    for (const id of plan.close) if (!waiting.includes(id)) this.mesh.close(id);
    this.mesh.configure(w.self.id, w.iceServers as RTCIceServer[]);
    this.ice.schedule(w.iceServers);
    this.state = reduceParticipants(this.state, { type: 'welcome', welcome: w });
    // Before anything renders: a peer kept while it comes back must not lose its tile (and its video) meanwhile.
    for (const id of waiting) this.awaitReturn(before.find((p) => p.id === id));
    // Told again right behind the welcome while breakout rooms are open (they may have closed while we were away).
    this.onBreakouts(null, true);
    this.dispatch({ type: 'self-media', media: this.media.state });
    this.dispatch({ type: 'self-hand', raised: this.hand });
    // We are the newcomer to these peers: we send the first offer.
    for (const id of plan.offer) this.mesh.connect(id, true);
    this.session.media(this.media.state);
    if (this.hand !== w.self.hand) this.session.hand(this.hand);
    this.recording.welcome(w.self.recording === true);
    this.dispatch({ type: 'updated', id: w.self.id, patch: { recording: this.recording.on } });
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
    if (changed('locked')) this.toasts.show(t(settings.locked ? 'toast.locked' : 'toast.unlocked'));
    if (changed('chatLocked')) this.toasts.show(t(settings.chatLocked ? 'toast.chatLocked' : 'toast.chatUnlocked'));
    if (changed('screenLocked')) this.toasts.show(t(settings.screenLocked ? 'toast.screenLocked' : 'toast.screenUnlocked'));
  }

  /** `room:breakouts`: the plan, or `null` when the rooms closed (`quietly`: forgotten at a welcome, told again if open). */
  private onBreakouts(next: Breakouts | null, quietly = false): void {
    const before = this.breakouts;
    this.setBreakouts(next);
    const runs = runsMeeting(selfOf(this.state));
    if (next) {
      for (const r of next.rooms) for (const name of r.members) this.away.set(name, Infinity);
      // Said once per opening, not again when the plan comes back behind a welcome.
      const key = next.rooms.map((r) => r.id).join(' ');
      if (runs && key !== this.announced) this.toasts.show(t('toast.breakoutsOpen'));
      this.announced = key;
    } else if (before) {
      const until = Date.now() + RETURN_QUIET_MS;
      for (const [name, when] of this.away) if (when > until) this.away.set(name, until);
      if (quietly) return;
      this.announced = '';
      if (runs) this.toasts.show(t('toast.breakoutsClosed'));
    }
  }

  private setBreakouts(next: Breakouts | null): void {
    const before = this.breakouts;
    this.breakouts = next;
    if (next?.endsAt !== before?.endsAt) {
      this.stopBreakoutClock();
      // When the timer ends, the server that opened the rooms closes them; a host's or co-host's client does too, in
      // case that server went away meanwhile (closing twice is harmless).
      this.stopBreakoutClock = countdown(
        next?.endsAt ?? 0,
        {
          end: () => {
            if (this.breakouts && runsMeeting(selfOf(this.state))) void this.hostTry(() => this.session.closeBreakouts());
          },
        },
        BREAKOUT_CLOSE_GRACE_MS,
      );
    }
    this.view?.setBreakouts(next);
    this.render();
  }

  private isAway(name: string): boolean {
    const until = this.away.get(name);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.away.delete(name);
    return false;
  }

  /**
   * Sent to a breakout room, or back from one: leave this room for good (without the page after the call) and hand
   * over to the next call, which keeps our name and devices.
   */
  private async handOver<K extends 'move' | 'return'>(event: K, msg: Omit<CallEvents[K], 'as'>, note: string): Promise<void> {
    if (this.over) return;
    this.over = true;
    const as = selfOf(this.state)?.name ?? this.auth.name;
    this.toasts.show(note);
    await this.session.leave();
    this.stopAll();
    this.emit(event, { ...msg, as } as CallEvents[K]);
  }

  /** A refusal in the UI's language by its code; the server's own (English) words for a code this client does not know. */
  private refusal(error: unknown): string {
    const code = errorCode({ data: { code: (error as { code?: unknown } | null)?.code } });
    if (code) return wordsFor(code);
    const message = (error as { message?: unknown } | null)?.message;
    return error && typeof error === 'object' && 'code' in error && typeof message === 'string' && message ? message : errorWords(error);
  }

  /** Runs a host or co-host request; a refusal (say, the role was just taken away) shows as a notice. */
  private hostRequest(request: () => Promise<void>, done?: string): void {
    void this.hostTry(request, done);
  }

  /** As hostRequest; resolves whether the server took it. */
  private async hostTry(request: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await request();
      if (done) this.toasts.show(done);
      return true;
    } catch (error) {
      this.toasts.show(this.refusal(error), 'error');
      return false;
    }
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
    const actions: CallViewActions = {
      toggleAudio: () => void this.media.setAudio(!this.media.state.audio),
      toggleVideo: () => void this.media.setVideo(!this.media.state.video),
      toggleScreen: () => (this.media.state.screen ? this.media.stopScreen() : void this.media.startScreen()),
      toggleHand: () => this.toggleHand(),
      toggleRecording: () => this.recording.toggle(),
      react: (emoji) => this.react(emoji),
      copyLink: () => this.toasts.copyLink(`${location.origin}/r/${this.place.meeting}`),
      leave: () => void this.leave(),
      background: this.media.background,
      lock: (locked) => this.session.lock(locked),
      mute: (id) => {
        this.session.askToMute(id);
        this.toasts.show(t('toast.askedMute'));
      },
      kick: (id) => this.session.kick(id),
      setCohost: (id, cohost) => this.hostRequest(() => this.session.setCohost(id, cohost)),
      changeSettings: (patch) => this.hostRequest(() => this.session.changeSettings(patch)),
      muteAll: () => this.hostRequest(() => this.session.muteAll(), t('toast.askedMuteAll')),
      lowerHand: (id) => this.hostRequest(() => this.session.lowerHand(id)),
      admit: (id) => this.hostRequest(() => this.session.admit({ id })),
      admitAll: () => this.hostRequest(() => this.session.admit({ all: true })),
      deny: (id) => this.hostRequest(() => this.session.deny(id)),
      openBreakouts: (plan) => this.hostTry(() => this.session.openBreakouts(plan)),
      messageBreakouts: (text) => this.hostTry(() => this.session.messageBreakouts(text), t('toast.messageSent')),
      closeBreakouts: () => this.hostTry(() => this.session.closeBreakouts()),
      askForHelp: () => this.hostTry(() => this.session.askForHelp(), t('toast.helpAsked')),
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
      soundBlocked: () => this.toasts.show(t('toast.clickToHear')),
    };
    const view = new CallView(this.place.meeting, actions, this.place.breakout);
    view.el.addEventListener('chat-error', (ev) => {
      const error = (ev as CustomEvent<unknown>).detail;
      // A refusal by the server says why (NOT_HOST here: only hosts may send now); anything else could not be sent.
      const refused = !!error && typeof error === 'object' && 'code' in error;
      const locked = refused && (error as { code?: unknown }).code === 'NOT_HOST';
      this.toasts.show(locked ? t('chat.lockedRefused') : refused ? this.refusal(error) : t('toast.chatFailed'), 'error');
    });
    document.addEventListener('click', () => view.grid.all().forEach((t) => t.unblock()), { once: true });
    this.showMedia(view);
    view.controls.setHand(this.hand);
    view.controls.record.set(this.recording.on, this.recording.possible);
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
    // Leaving (or moving rooms) ends a recording; its file is still offered.
    void this.recording.stop();
    this.stopBreakoutClock();
    this.view?.dispose();
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
