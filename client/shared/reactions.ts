/** The reactions a participant can send, each with the words a screen reader says for it. */
import { REACTIONS, type Reaction } from '../../server/protocol/events';

const NAMES: Record<Reaction, string> = {
  '👍': 'Thumbs up',
  '👏': 'Clapping',
  '❤️': 'Heart',
  '😂': 'Laughing',
  '😮': 'Surprised',
  '🎉': 'Celebrate',
};

/** How long a reaction stays on a tile. */
export const REACTION_SHOWN_MS = 3000;

export const reactions: readonly { emoji: Reaction; name: string }[] = REACTIONS.map((emoji) => ({ emoji, name: NAMES[emoji] }));

export function isReaction(value: unknown): value is Reaction {
  return typeof value === 'string' && (REACTIONS as readonly string[]).includes(value);
}

export function reactionName(emoji: Reaction): string {
  return NAMES[emoji];
}
