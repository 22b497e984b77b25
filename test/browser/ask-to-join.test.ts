/**
 * Ask to join in Chromium through the real pages: the host turns it on, a newcomer's "Join now" says "Asking to
 * join…", the host admits (the newcomer is in without another click) or denies (the newcomer is told, and stays
 * out).
 */
import { newRoomCode } from '../../server/rooms/codes';
import { knockList, openPage, openPeople, sleep, tile, tileIds, useBrowserCall, waitUntil } from '../helpers/browser';

const call = useBrowserCall();

/** Opens the room page as `name` and presses "Join now" in a room that asks to join. */
async function knock(room: string, name: string) {
  const p = call.track(await openPage(call.browser(), `${call.url()}/r/${room}`));
  await p.page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await p.page.getByRole('button', { name: 'Join now' }).click();
  await p.page.getByRole('status').filter({ hasText: 'Asking to join…' }).waitFor();
  return p;
}

test('the host turns on "Ask to join"; a knock is admitted and the newcomer is in without another click', async () => {
  const room = newRoomCode();
  const ada = await call.join(room, 'Ada');
  await openPeople(ada.page);
  const ask = ada.page.getByRole('button', { name: 'Ask to join' });
  await ask.click();
  await waitUntil('the toggle to show "Ask to join" on', async () => (await ask.getAttribute('aria-pressed')) === 'true');

  const bob = await knock(room, 'Bob');
  await knockList(ada.page).getByText('Bob', { exact: true }).waitFor();
  // Waiting, Bob sees nothing of the call.
  expect(await bob.page.getByRole('button', { name: 'Leave call' }).count()).toBe(0);
  await knockList(ada.page).getByRole('button', { name: 'Admit' }).click();

  await bob.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
  const bobId = await waitUntil('Bob`s PeerId', () =>
    bob.page.evaluate(() => (window as unknown as { parley?: { selfId?: string } }).parley?.selfId),
  );
  await tile(ada.page, bobId).waitFor();
  expect((await tileIds(ada.page)).sort()).toEqual([ada.id, bobId].sort());
  await waitUntil(
    'the knock list to empty',
    async () => (await knockList(ada.page).count()) === 0 || !(await knockList(ada.page).isVisible()),
  );
});

test('a denied knock is told so, stays out, and may not knock again at once', async () => {
  const room = newRoomCode();
  const ada = await call.join(room, 'Ada');
  await openPeople(ada.page);
  await ada.page.getByRole('button', { name: 'Ask to join' }).click();
  const cy = await knock(room, 'Cy');
  await knockList(ada.page).getByText('Cy', { exact: true }).waitFor();
  await knockList(ada.page).getByRole('button', { name: 'Deny' }).click();

  await cy.page.getByText('A host declined your request to join', { exact: false }).waitFor();
  const joinNow = cy.page.getByRole('button', { name: 'Join now' });
  await waitUntil('"Join now" to be back', () => joinNow.isEnabled());
  expect(await cy.page.getByRole('button', { name: 'Leave call' }).count()).toBe(0);
  expect(await tileIds(ada.page)).toEqual([ada.id]);
  // Asking again at once is refused: the host never sees Cy knocking again, and Cy stays out.
  await cy.page.getByRole('textbox', { name: 'Your name' }).fill('Cy');
  await joinNow.click();
  const deadline = Date.now() + 1500;
  while (Date.now() < deadline) {
    expect(await knockList(ada.page).isVisible()).toBe(false);
    await sleep(100);
  }
  await waitUntil('"Join now" to be back after the refusal', () => joinNow.isEnabled());
  await cy.page.getByText('A host declined your request to join', { exact: false }).waitFor();
  expect(await cy.page.getByRole('button', { name: 'Leave call' }).count()).toBe(0);
});
