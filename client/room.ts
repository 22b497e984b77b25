/** Room page entry: the pre-join screen, then the call, then the page after it. */
import type { PeerId } from '../server/protocol/events';
import { Call } from './call';
import type { BreakoutPlace } from './ui/call-view';
import { t } from './i18n';
import { applyPageLanguage } from './i18n/page';
import { LocalMedia } from './media/local-media';
import type { PeerStats } from './rtc/mesh';
import { Knocker } from './session/knock';
import { LobbyWatch } from './session/lobby';
import { errorWords, wordsFor } from './shared/errors';
import { addRecent, parseRecent, RECENT_KEY } from './shared/recent';
import { BackgroundSettings } from './ui/background-settings';
import { byId } from './ui/dom';
import { endedView } from './ui/ended';
import { Prejoin } from './ui/prejoin';
import { listenForShortcuts, ShortcutsDialog } from './ui/shortcuts';
import { Toasts } from './ui/toasts';

interface TrailEntry {
  /** Epoch ms. */
  at: number;
  event: string;
  id?: PeerId;
  reason?: string;
}

declare global {
  interface Window {
    parley: {
      readonly selfId: PeerId | null;
      readonly room: string;
      peers(): PeerId[];
      stats(): Promise<Record<PeerId, PeerStats>>;
      /**
       * What the call went through, oldest first: welcomes (with the own PeerId), peers that left, connection status,
       * moves to a breakout room (its name as the reason) and back to the main room.
       */
      trail(): TrailEntry[];
    };
  }
}

const app = byId('app');
const room = app.dataset.room ?? '';
const resumeGraceMs = Number(app.dataset.resumeGraceMs);
const media = new LocalMedia();
const toasts = new Toasts();
const header = app.querySelector('.brand');
let call: Call | null = null;
let lobby: LobbyWatch | null = null;
let knocker: Knocker | null = null;
let prejoin: Prejoin | null = null;
let lastJoin = { name: '', password: '' };
const trail: TrailEntry[] = [];
const note = (event: string, id?: PeerId, reason?: string) => {
  trail.push({ at: Date.now(), event, ...(id ? { id } : {}), ...(reason ? { reason } : {}) });
  if (trail.length > 500) trail.shift();
};

window.parley = {
  get selfId() {
    return call?.selfId ?? null;
  },
  room,
  peers: () => call?.mesh.ids() ?? [],
  stats: () => call?.stats() ?? Promise.resolve({}),
  trail: () => trail.slice(),
};

function rememberRoom(): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(addRecent(parseRecent(localStorage.getItem(RECENT_KEY)), room, Date.now())));
  } catch {
    // Not remembered; nothing else depends on it.
  }
}

function show(...nodes: Node[]): void {
  app.replaceChildren(...nodes, toasts.el);
}

async function showPrejoin(): Promise<void> {
  app.classList.remove('in-call');
  const p = new Prejoin(
    {
      toggleAudio: () => void media.setAudio(!media.state.audio),
      toggleVideo: () => void media.setVideo(!media.state.video),
      pickDevice: (kind, id) => {
        if (kind !== 'audiooutput') void media.selectDevice(kind, id);
      },
      join: (form) => join(form),
      cancel: () => {
        call?.cancel();
        call = null;
        knocker?.cancel();
        knocker = null;
        p.setWaiting(false);
        p.setBusy(false);
      },
    },
    room,
  );
  prejoin = p;
  const background = new BackgroundSettings(media.background);
  p.pickers.el.append(background.el);
  show(...(header ? [header] : []), p.el);
  lobby?.close();
  lobby = new LobbyWatch(room, (r) => p.setLobby(r));
  const offs = [
    media.on('preview', (s) => p.setPreview(s)),
    media.on('state', (m) => p.setMedia(m, media.available)),
    media.on('notice', (t) => p.setStatus(t, 'error')),
  ];
  p.onDispose = () => [...offs, background.dispose].forEach((off) => off());
  p.focus();
  const notice = await media.start();
  if (notice) p.setStatus(notice, 'error');
  await p.pickers.refresh();
}

/**
 * Joins the meeting's room, or one of its breakout rooms (`to`): the URL stays the meeting's, and the same local media
 * goes along.
 */
function join(
  form: { name: string; password: string },
  clickedAt = performance.now(),
  admit?: string,
  to: { room: string; breakout: BreakoutPlace | null } = { room, breakout: null },
): void {
  if (!to.breakout) lastJoin = form;
  prejoin?.setBusy(true);
  prejoin?.setStatus('');
  const c = new Call(to.room, { ...form, admit }, media, toasts, clickedAt, resumeGraceMs, { meeting: room, breakout: to.breakout });
  call = c;
  c.session.on('welcome', (w) => note('welcome', w.self.id));
  c.session.on('left', ({ id, reason }) => note('left', id, reason));
  c.session.on('status', (status) => note(status));
  c.session.on('waiting', () => {
    note('waiting');
    if (call === c) prejoin?.setWaiting(true);
  });
  c.on('in', (view) => {
    lobby?.close();
    lobby = null;
    prejoin?.onDispose?.();
    prejoin = null;
    rememberRoom();
    app.classList.add('in-call');
    show(view.el);
  });
  c.on('refused', ({ code, error }) => {
    call = null;
    // The room asks to join: ask, and join without another click once a host lets us in.
    if (code === 'ASK_TO_JOIN' && prejoin) {
      askToJoin(form, clickedAt);
      return;
    }
    if (!prejoin) {
      // Coming back with "Rejoin" failed: say why on the page after the call.
      showEnded(errorWords(error), code !== 'BANNED' && code !== 'ROOM_FULL');
      return;
    }
    prejoin.setWaiting(false);
    prejoin.setBusy(false);
    prejoin.setStatus(errorWords(error), 'error');
    if (code === 'WRONG_PASSWORD') prejoin.askPassword(true);
    if (code === 'BANNED') prejoin.disable();
  });
  // Sent to a breakout room and back: the call left its room; the next one joins with the ticket, no click needed.
  c.on('move', (m) => {
    note('breakout', undefined, m.name);
    join({ name: m.as, password: '' }, performance.now(), m.ticket, { room: m.room, breakout: { name: m.name, endsAt: m.endsAt } });
  });
  c.on('return', (m) => {
    note('main-room');
    join({ name: m.as, password: lastJoin.password }, performance.now(), m.ticket, { room: m.room, breakout: null });
  });
  c.on('ended', ({ reason }) => {
    media.stop();
    if (reason === 'kicked') showEnded(t('ended.removed'), false);
    else showEnded(t('ended.left'), true);
  });
  c.start();
}

function askToJoin(form: { name: string; password: string }, clickedAt: number): void {
  prejoin?.setWaiting(true, t('prejoin.asking'));
  const stop = (text: string) => {
    knocker = null;
    prejoin?.setWaiting(false);
    prejoin?.setBusy(false);
    prejoin?.setStatus(text, 'error');
  };
  knocker = new Knocker(room, form.name, {
    admitted: (ticket) => {
      knocker = null;
      prejoin?.setWaiting(false);
      join(form, clickedAt, ticket);
    },
    open: () => {
      knocker = null;
      prejoin?.setWaiting(false);
      join(form, clickedAt);
    },
    denied: () => stop(wordsFor('DENIED')),
    refused: (code) => stop(wordsFor(code)),
  });
}

function showEnded(title: string, canRejoin: boolean): void {
  app.classList.remove('in-call');
  const view = endedView({
    title,
    rejoin: canRejoin ? () => void rejoin() : undefined,
  });
  show(...(header ? [header] : []), view);
  view.querySelector('h1')?.focus();
}

/** Straight back into the call with the same name and devices. */
async function rejoin(): Promise<void> {
  const clickedAt = performance.now();
  await media.start();
  join(lastJoin, clickedAt);
}

const shortcutsDialog = new ShortcutsDialog();
listenForShortcuts((action) => {
  const view = call?.view;
  switch (action) {
    case 'mic':
      void media.setAudio(!media.state.audio);
      return true;
    case 'cam':
      void media.setVideo(!media.state.video);
      return true;
    case 'help':
      shortcutsDialog.toggle();
      return true;
    default:
      // The others act on a call: before it, the keys stay the browser's.
      if (!call || !view || !app.classList.contains('in-call')) return false;
      if (action === 'chat' || action === 'people') view.toggle(action);
      else if (action === 'hand') call.toggleHand();
      else void call.leave();
      return true;
  }
});

window.addEventListener('pagehide', () => {
  // Closing the tab: leave at once rather than keep a place for the grace period.
  void call?.leave();
});

applyPageLanguage();
void showPrejoin();
