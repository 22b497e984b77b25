/** The reactions a participant can send, each with the words a screen reader says for it. */
import { REACTIONS, type Reaction } from '../../server/protocol/events';
import { t, type MessageKey } from '../i18n';

const NAMES: Record<Reaction, MessageKey> = {
  '👍': 'reaction.thumbsUp',
  '👏': 'reaction.clapping',
  '❤️': 'reaction.heart',
  '😂': 'reaction.laughing',
  '😮': 'reaction.surprised',
  '🎉': 'reaction.celebrate',
};

/** How long a reaction stays on a tile. */
export const REACTION_SHOWN_MS = 3000;

/** The reactions in the order offered, with their names in the UI's language. */
export function reactions(): { emoji: Reaction; name: string }[] {
  return REACTIONS.map((emoji) => ({ emoji, name: reactionName(emoji) }));
}

export function isReaction(value: unknown): value is Reaction {
  return typeof value === 'string' && (REACTIONS as readonly string[]).includes(value);
}

export function reactionName(emoji: Reaction): string {
  return t(NAMES[emoji]);
}
