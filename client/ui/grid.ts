/** The stage: one tile per participant, laid out for 1..8 people (self small beside one other, a shared screen large). */
import type { Peer, PeerId } from '../../server/protocol/events';
import { t } from '../i18n';
import { gridShape } from '../shared/layout';
import { h } from './dom';
import { ScreenTile, Tile } from './tile';

export type Layout = 'solo' | 'pip' | 'grid' | 'spotlight';

export class Grid {
  readonly el = h('div', { class: 'stage', role: 'region', 'aria-label': t('stage.label') });
  private readonly soloTitle = h('p', { class: 'solo-title' }, t('stage.alone'));
  private readonly share = [h('p', {}, t('stage.shareLink')), h('p', { class: 'solo-link' }, `${location.origin}${location.pathname}`)];
  private readonly hint = h('div', { class: 'solo-hint', hidden: true }, this.soloTitle, ...this.share);
  private readonly tiles = new Map<PeerId, Tile>();
  private readonly screens = new Map<PeerId, ScreenTile>();
  private list: Peer[] = [];

  constructor(
    private readonly onFirstFrame: (id: PeerId) => void,
    private readonly onSoundBlocked: () => void,
  ) {
    new ResizeObserver(() => this.layout()).observe(this.el);
  }

  /**
   * What the stage says while nobody else is here: by default, to share the meeting link; `text` instead when the
   * others are elsewhere for now (in breakout rooms).
   */
  setSoloText(text: string | null): void {
    const title = text ?? t('stage.alone');
    if (this.soloTitle.textContent !== title) this.soloTitle.textContent = title;
    for (const el of this.share) el.hidden = text !== null;
  }

  tile(id: PeerId): Tile | undefined {
    return this.tiles.get(id);
  }

  /** The video of the screen `id` shares, while it is on the stage. */
  screenVideo(id: PeerId): HTMLVideoElement | null {
    return this.screens.get(id)?.video ?? null;
  }

  all(): Tile[] {
    return [...this.tiles.values()];
  }

  /** Adds, updates and removes tiles to match the participant list (self first) and the screens being shared. */
  render(selfId: PeerId, list: Peer[], screens: Map<PeerId, MediaStream>): void {
    this.list = list;
    const ids = new Set(list.map((p) => p.id));
    for (const [id, tile] of this.tiles) {
      if (!ids.has(id)) {
        tile.setStream(null);
        tile.el.remove();
        this.tiles.delete(id);
      }
    }
    for (const peer of list) {
      let tile = this.tiles.get(peer.id);
      if (!tile || tile.self !== (peer.id === selfId)) {
        tile?.el.remove();
        tile = new Tile(peer.id, peer.id === selfId, this.onFirstFrame, this.onSoundBlocked);
        this.tiles.set(peer.id, tile);
        this.el.append(tile.el);
      }
      tile.update(peer);
    }
    for (const [id, tile] of this.screens) {
      if (!screens.has(id) || !ids.has(id)) {
        tile.remove();
        this.screens.delete(id);
      }
    }
    for (const [id, stream] of screens) {
      const peer = list.find((p) => p.id === id);
      if (!peer) continue;
      let tile = this.screens.get(id);
      if (!tile) {
        tile = new ScreenTile(id, id === selfId);
        this.screens.set(id, tile);
        this.el.append(tile.el);
      }
      tile.update(peer.name, stream);
    }
    this.layout();
  }

  private layout(): void {
    const n = this.list.length + this.screens.size;
    const screens = [...this.screens.values()];
    const main = screens.find((t) => !t.self) ?? screens[0];
    const mode: Layout = main ? 'spotlight' : n <= 1 ? 'solo' : n === 2 ? 'pip' : 'grid';
    this.el.dataset.layout = mode;
    this.hint.hidden = mode !== 'solo';
    if (!this.hint.isConnected) this.el.append(this.hint);
    for (const tile of this.tiles.values()) tile.el.classList.toggle('tile-pip', mode === 'pip' && tile.self);
    for (const tile of screens) tile.el.classList.toggle('tile-main', tile === main);
    const rect = this.el.getBoundingClientRect();
    const aspect = rect.height > 0 ? rect.width / rect.height : 16 / 9;
    const shape = mode === 'grid' ? gridShape(n, aspect) : { cols: 1, rows: 1 };
    this.el.style.setProperty('--cols', String(shape.cols));
    this.el.style.setProperty('--rows', String(shape.rows));
    this.el.style.setProperty('--others', String(Math.max(1, n - 1)));
  }
}
