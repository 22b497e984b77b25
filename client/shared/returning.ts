/**
 * Peers kept after a welcome that did not list them (a server that lost its state brings them back one by one),
 * until they are back or the grace period ends.
 */
import type { PeerId } from '../../server/protocol/events';

export class ReturnWatch {
  private readonly waiting = new Map<PeerId, ReturnType<typeof setTimeout>>();

  /** `gone` runs for a peer not back within `graceMs`. */
  constructor(
    private readonly graceMs: number,
    private readonly gone: (id: PeerId) => void,
  ) {}

  wait(id: PeerId): void {
    this.back(id);
    this.waiting.set(
      id,
      setTimeout(() => {
        this.waiting.delete(id);
        this.gone(id);
      }, this.graceMs),
    );
  }

  /** The peer is back (or left for good): stop waiting for it. */
  back(id: PeerId): void {
    clearTimeout(this.waiting.get(id));
    this.waiting.delete(id);
  }

  stop(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }
}
