/** Building elements with DOM APIs only: user data always goes in as text, never as HTML. */
type Attrs = Record<string, string | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/** Plays a media element, muting it and trying again when the browser refuses sound without a gesture. */
export function play(el: HTMLMediaElement, onBlocked?: () => void): void {
  el.play().catch((err: unknown) => {
    if (err instanceof DOMException && err.name === 'NotAllowedError' && !el.muted) {
      el.muted = true;
      onBlocked?.();
      void el.play().catch(() => undefined);
    }
  });
}
