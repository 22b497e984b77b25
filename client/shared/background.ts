/**
 * The background effect a person chose for their camera, as kept in localStorage `parley.background`:
 * 'none' (or absent), 'blur', or 'replace:<name>' with one of the built-in backdrops.
 */
export const BACKGROUND_KEY = 'parley.background';

export const BACKDROPS = ['sky', 'studio', 'shelves'] as const;
export type Backdrop = (typeof BACKDROPS)[number];

export type BackgroundChoice = { kind: 'none' } | { kind: 'blur' } | { kind: 'replace'; backdrop: Backdrop };

export const NO_BACKGROUND: BackgroundChoice = { kind: 'none' };

function isBackdrop(name: string): name is Backdrop {
  return (BACKDROPS as readonly string[]).includes(name);
}

/** Reads a stored value; anything unknown (an old or hand-edited value) means no effect. */
export function parseBackground(value: string | null | undefined): BackgroundChoice {
  if (value === 'blur') return { kind: 'blur' };
  if (value?.startsWith('replace:')) {
    const name = value.slice('replace:'.length);
    if (isBackdrop(name)) return { kind: 'replace', backdrop: name };
  }
  return NO_BACKGROUND;
}

export function formatBackground(choice: BackgroundChoice): string {
  return choice.kind === 'replace' ? `replace:${choice.backdrop}` : choice.kind;
}

/** The choice kept in this browser (no effect when storage is blocked). */
export function storedBackground(): BackgroundChoice {
  try {
    return parseBackground(globalThis.localStorage?.getItem(BACKGROUND_KEY));
  } catch {
    return NO_BACKGROUND;
  }
}

export function storeBackground(choice: BackgroundChoice): void {
  try {
    globalThis.localStorage?.setItem(BACKGROUND_KEY, formatBackground(choice));
  } catch {
    // storage blocked: the choice lasts for this page only
  }
}
