/** The in-call page: stage, side panel (chat, people, settings, breakout rooms), control bar, reconnect banner. */
import type { Breakouts, PeerId } from '../../server/protocol/events';
import { t, type MessageKey } from '../i18n';
import type { DeviceKind } from '../media/devices';
import { AudioSettings } from './audio-settings';
import { runsMeeting, selfOf, type Participants } from '../shared/participants';
import { BreakoutBar, BreakoutPanel, type BreakoutActions } from './breakouts';
import { ChatPanel } from './chat';
import { Controls, type ControlActions } from './controls';
import type { CameraEffect } from '../media/background';
import { BackgroundSettings } from './background-settings';
import { DevicePickers } from './device-pickers';
import { h } from './dom';
import { Grid } from './grid';
import { icon } from './icons';
import { PeoplePanel, type HostActions } from './people';
import { preferencesSettings } from './preferences-settings';
import { RecordingNotice } from './recording';

export type PanelName = 'chat' | 'people' | 'settings' | 'breakouts';

export interface CallViewActions extends Omit<ControlActions, 'panel'>, Omit<HostActions, 'showBreakouts'>, BreakoutActions {
  sendChat(text: string): Promise<unknown>;
  pickDevice(kind: DeviceKind, id: string): void;
  firstFrame(id: PeerId): void;
  soundBlocked(): void;
  chatOpened(): void;
  askForHelp(): Promise<boolean>;
  /** The camera's background effect, chosen in Settings. */
  background: CameraEffect;
}

/** The breakout room a call is in (none: the meeting's main room). */
export interface BreakoutPlace {
  name: string;
  /** When the rooms close, epoch ms; 0 without a timer. */
  endsAt: number;
}

const TITLES: Record<PanelName, MessageKey> = {
  chat: 'panel.chat',
  people: 'panel.people',
  settings: 'panel.settings',
  breakouts: 'panel.breakouts',
};

export class CallView {
  readonly el: HTMLElement;
  readonly grid: Grid;
  readonly controls: Controls;
  readonly chat: ChatPanel;
  readonly people: PeoplePanel;
  readonly pickers: DevicePickers;
  readonly recording = new RecordingNotice();
  readonly breakoutPanel: BreakoutPanel;
  /** In a breakout room: its name, the time left, "Ask for help". */
  readonly breakoutBar: BreakoutBar | null;
  private readonly panel: HTMLElement;
  private readonly panelTitle = h('h2', { id: 'panel-title' });
  private readonly bodies: Record<PanelName, HTMLElement>;
  private readonly banner = h('div', { class: 'banner', role: 'status', hidden: true }, t('call.reconnecting'));
  private bannerTimer: ReturnType<typeof setTimeout> | null = null;
  private open: PanelName | null = null;
  private unread = 0;
  private breakouts: Breakouts | null = null;
  private readonly background: BackgroundSettings;

  constructor(
    room: string,
    private readonly actions: CallViewActions,
    private readonly breakout: BreakoutPlace | null = null,
  ) {
    const a = actions;
    this.grid = new Grid(a.firstFrame, a.soundBlocked);
    this.controls = new Controls(room, { ...a, panel: (p) => this.toggle(p) });
    this.chat = new ChatPanel((text) => a.sendChat(text));
    // Breakout rooms are opened from the main room only.
    this.people = new PeoplePanel({ ...a, showBreakouts: breakout ? null : () => this.toggle('breakouts') });
    this.pickers = new DevicePickers(a.pickDevice);
    this.breakoutPanel = new BreakoutPanel(a);
    this.breakoutBar = breakout ? new BreakoutBar(breakout.name, breakout.endsAt, a.askForHelp) : null;
    this.bodies = {
      chat: h('div', { class: 'panel-body', hidden: true }, this.chat.el),
      people: h('div', { class: 'panel-body', hidden: true }, this.people.el),
      settings: h(
        'div',
        { class: 'panel-body', hidden: true },
        this.pickers.el,
        (this.background = new BackgroundSettings(a.background)).el,
        new AudioSettings().el,
        preferencesSettings(),
      ),
      breakouts: h('div', { class: 'panel-body', hidden: true }, this.breakoutPanel.el),
    };
    const close = h(
      'button',
      { type: 'button', class: 'icon-btn', 'aria-label': t('panel.close'), title: t('panel.close') },
      icon('close'),
    );
    close.addEventListener('click', () => this.toggle(null));
    this.panel = h(
      'aside',
      { class: 'side-panel', 'aria-labelledby': 'panel-title', hidden: true },
      h('header', { class: 'panel-head' }, this.panelTitle, close),
      this.bodies.chat,
      this.bodies.people,
      this.bodies.settings,
      this.bodies.breakouts,
    );
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.toggle(null);
    });
    this.el = h(
      'div',
      { class: 'call' },
      this.banner,
      this.breakoutBar?.el,
      this.recording.el,
      h('div', { class: 'call-body' }, this.grid.el, this.panel),
      this.controls.el,
    );
  }

  get chatOpen(): boolean {
    return this.open === 'chat';
  }

  toggle(which: PanelName | null): void {
    const next = which === this.open ? null : which;
    const was = this.open;
    // Closing a panel that had the focus hands it back to the button that opened it.
    const refocus = next === null && was !== null && this.panel.contains(document.activeElement);
    this.open = next;
    this.panel.hidden = next === null;
    for (const [k, body] of Object.entries(this.bodies)) body.hidden = k !== next;
    this.controls.setPanel(next);
    if (next) this.panelTitle.textContent = t(TITLES[next]);
    if (next === 'chat') {
      this.unread = 0;
      this.controls.setUnread(0);
      this.chat.focus();
      this.actions.chatOpened();
    }
    if (next === 'settings') void this.pickers.refresh();
    if (refocus && was !== 'breakouts') this.controls.focusPanelButton(was);
  }

  /** Counts a message that arrived while the chat was closed. */
  addUnread(): void {
    if (this.open === 'chat') return;
    this.unread++;
    this.controls.setUnread(this.unread);
  }

  render(state: Participants & { selfId: PeerId }, screens: Map<PeerId, MediaStream>): void {
    this.grid.render(state.selfId, state.list, screens);
    this.people.render(state);
    this.recording.render(state.selfId, state.list);
    this.controls.setCount(state.list.length);
    // Hosts and co-hosts are not held by the locks they set.
    const runs = runsMeeting(selfOf(state));
    this.chat.setLocked(state.chatLocked && !runs);
    this.controls.setScreenLocked(state.screenLocked && !runs);
    if (!this.breakoutBar) this.breakoutPanel.render(state, this.breakouts);
    this.grid.setSoloText(
      this.breakout ? t('call.onlyYouIn', { room: this.breakout.name }) : this.breakouts ? t('call.othersInBreakouts') : null,
    );
    // Breakout rooms are for hosts and co-hosts: the panel closes for one who no longer is.
    if (this.open === 'breakouts' && (!runs || this.breakoutBar)) this.toggle(null);
  }

  /** The meeting's breakout rooms (`null`: none open); shown at the next render. */
  setBreakouts(breakouts: Breakouts | null): void {
    this.breakouts = breakouts;
  }

  /** The call is over: stops the clocks it shows. */
  dispose(): void {
    this.breakoutBar?.stop();
    this.breakoutPanel.dispose();
    this.background.dispose();
  }

  /** Shows "Reconnecting…" only when a drop lasts; a quick move to another server stays invisible. */
  setReconnecting(on: boolean): void {
    if (this.bannerTimer) clearTimeout(this.bannerTimer);
    this.bannerTimer = null;
    if (on) this.bannerTimer = setTimeout(() => (this.banner.hidden = false), 1500);
    else this.banner.hidden = true;
  }
}
