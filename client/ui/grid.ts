/** The stage: one tile per participant, laid out for 1..8 people (self small beside one other, a shared screen large). */
import type { Peer, PeerId } from '../../server/protocol/events';
import { gridShape } from '../shared/layout';
import { h } from './dom';
import { Tile } from './tile';

export type Layout = 'solo' | 'pip' | 'grid' | 'spotlight';

export class Grid {
  readonly el = h('div', { class: 'stage', 'aria-label': 'Participants' });
  private readonly tiles = new Map<PeerId, Tile>();
  private selfId: PeerId | null = null;
  private list: Peer[] = [];

  constructor(
    private readonly onFirstFrame: (id: PeerId) => void,
    private readonly onSoundBlocked: () => void,
  ) {
    new ResizeObserver(() => this.layout()).observe(this.el);
  }

  tile(id: PeerId): Tile | undefined {
    return this.tiles.get(id);
  }

  all(): Tile[] {
    return [...this.tiles.values()];
  }

  /** Adds, updates and removes tiles to match the participant list (self first). */
  render(selfId: PeerId, list: Peer[]): void {
    this.selfId = selfId;
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
    this.layout();
  }

  private layout(): void {
    const n = this.list.length;
    const spot = this.list.find((p) => p.id !== this.selfId && p.media.screen);
    const mode: Layout = spot ? 'spotlight' : n <= 1 ? 'solo' : n === 2 ? 'pip' : 'grid';
    this.el.dataset.layout = mode;
    for (const tile of this.tiles.values()) {
      tile.el.classList.toggle('tile-main', tile.id === spot?.id);
      tile.el.classList.toggle('tile-pip', mode === 'pip' && tile.self);
    }
    const rect = this.el.getBoundingClientRect();
    const aspect = rect.height > 0 ? rect.width / rect.height : 16 / 9;
    const shape = mode === 'grid' ? gridShape(n, aspect) : { cols: 1, rows: 1 };
    this.el.style.setProperty('--cols', String(shape.cols));
    this.el.style.setProperty('--rows', String(shape.rows));
    this.el.style.setProperty('--others', String(Math.max(1, n - 1)));
  }
}
