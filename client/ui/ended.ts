/** The page after the call: "You left the meeting" with "Rejoin", or why it ended. */
import { t } from '../i18n';
import { h } from './dom';

export function endedView(opts: { title: string; detail?: string; rejoin?: () => void }): HTMLElement {
  const actions = h('div', { class: 'ended-actions' });
  if (opts.rejoin) {
    const rejoin = h('button', { type: 'button', class: 'btn btn-primary' }, t('ended.rejoin'));
    rejoin.addEventListener('click', () => opts.rejoin?.());
    actions.append(rejoin);
  }
  actions.append(h('a', { class: 'btn', href: '/' }, t('ended.home')));
  const section = h(
    'section',
    { class: 'ended', 'aria-labelledby': 'ended-title' },
    h('h1', { id: 'ended-title', tabindex: '-1' }, opts.title),
  );
  if (opts.detail) section.append(h('p', { class: 'ended-detail' }, opts.detail));
  section.append(actions);
  return section;
}
