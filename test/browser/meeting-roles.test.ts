/**
 * Running a meeting in Chromium through the real pages, one call of three (Ada the host, Bob, Cy) carried through
 * the steps in order: reactions, a co-host who mutes everyone, chat and screen-sharing locks, the hand queue.
 */
import type { Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import {
  closeAll,
  joinCall,
  openPeople,
  type Participant,
  peopleList,
  personRow,
  sleep,
  tile,
  tileIds,
  toggle,
  useBrowserCall,
  waitForTileState,
  waitUntil,
} from '../helpers/browser';

const call = useBrowserCall();
let ada: Participant;
let bob: Participant;
let cy: Participant;

beforeAll(async () => {
  const room = newRoomCode();
  // Joined here rather than with call.join, so that the call outlives each test.
  ada = await joinCall(call.browser(), call.url(), room, 'Ada');
  bob = await joinCall(call.browser(), call.url(), room, 'Bob');
  cy = await joinCall(call.browser(), call.url(), room, 'Cy');
  const all = [ada.id, bob.id, cy.id].sort();
  for (const p of [ada, bob, cy]) {
    await waitUntil(`${p.name} to show the three tiles`, async () => JSON.stringify(await tileIds(p.page)) === JSON.stringify(all));
  }
});

afterAll(() => closeAll([ada, bob, cy]));

async function openChat(page: Page) {
  const box = page.getByRole('textbox', { name: 'Message' });
  if (!(await box.isVisible())) await page.getByRole('button', { name: 'Chat', exact: true }).click();
  await box.waitFor();
  return box;
}

async function pressed(page: Page, name: string): Promise<string | null> {
  return page.getByRole('button', { name, exact: true }).getAttribute('aria-pressed');
}

const micOn = async (p: Participant) => (await toggle(p.page, /microphone/i).getAttribute('aria-pressed')) === 'true';

test('a reaction sent with the Reactions button shows on the sender’s tile for everyone, for about 3 s', async () => {
  const reactions = ada.page.getByRole('button', { name: 'Reactions', exact: true });
  await reactions.click();
  expect(await reactions.getAttribute('aria-expanded')).toBe('true');
  for (const name of ['Thumbs up', 'Clapping', 'Heart', 'Laughing', 'Surprised', 'Celebrate']) {
    await ada.page.getByRole('button', { name, exact: true }).waitFor();
  }
  await ada.page.getByRole('button', { name: 'Clapping', exact: true }).click();

  const seen = await Promise.all(
    [bob, cy].map(async (p) => {
      const shown = tile(p.page, ada.id).getByRole('img', { name: 'Ada reacted Clapping' });
      await shown.waitFor({ timeout: 5000 });
      const at = Date.now();
      expect(await shown.textContent()).toBe('👏');
      return at;
    }),
  );
  const own = tile(ada.page, ada.id).getByRole('img', { name: 'You reacted Clapping' });
  await own.waitFor({ timeout: 5000 });
  expect(await own.textContent()).toBe('👏');
  // Only on Ada's tile.
  for (const p of [bob, cy]) {
    expect(
      await tile(p.page, bob.id)
        .getByRole('img', { name: /reacted/ })
        .count(),
    ).toBe(0);
    expect(
      await tile(p.page, cy.id)
        .getByRole('img', { name: /reacted/ })
        .count(),
    ).toBe(0);
  }

  // Escape closes the menu.
  await ada.page.keyboard.press('Escape');
  expect(await reactions.getAttribute('aria-expanded')).toBe('false');
  expect(await ada.page.getByRole('button', { name: 'Clapping', exact: true }).count()).toBe(0);

  // Shown for a few seconds, then gone (the element stays, hidden).
  const reaction = tile(bob.page, ada.id).locator('.tile-reaction');
  await reaction.waitFor({ state: 'hidden', timeout: 6000 });
  const shownMs = Date.now() - seen[0];
  expect(shownMs).toBeGreaterThan(2000);
  expect(shownMs).toBeLessThan(4500);
  expect(await reaction.count()).toBe(1);
});

test('the host makes Bob co-host; Bob gets the host controls and mutes everyone but the host and co-hosts', async () => {
  await openPeople(ada.page);
  await openPeople(bob.page);
  expect(await bob.page.getByRole('heading', { name: 'Host controls' }).count()).toBe(0);
  expect(await personRow(bob.page, 'Cy').getByRole('button').count()).toBe(0);
  // Only the host chooses co-hosts, and not for itself.
  expect(await personRow(ada.page, 'Ada').getByRole('button', { name: 'Make co-host' }).count()).toBe(0);
  expect(await personRow(ada.page, 'Cy').getByRole('button', { name: 'Make co-host', exact: true }).count()).toBe(1);

  await personRow(ada.page, 'Bob').getByRole('button', { name: 'Make co-host', exact: true }).click();
  await personRow(ada.page, 'Bob').getByRole('button', { name: 'Remove co-host', exact: true }).waitFor();
  await personRow(ada.page, 'Bob').getByText('Co-host', { exact: true }).waitFor();
  await bob.page.getByRole('heading', { name: 'Host controls' }).waitFor();
  await personRow(bob.page, 'Bob').getByText('You · Co-host', { exact: true }).waitFor();
  await personRow(bob.page, 'Ada').getByText('Host', { exact: true }).waitFor();

  // A co-host: controls over Cy, none over the host, no co-host buttons.
  await personRow(bob.page, 'Cy').getByRole('button', { name: 'Remove Cy', exact: true }).waitFor();
  expect(await personRow(bob.page, 'Ada').getByRole('button').count()).toBe(0);
  expect(await bob.page.getByRole('button', { name: /co-host/i }).count()).toBe(0);
  for (const name of ['Lock meeting', 'Lock chat', 'Lock screen share', 'Mute all']) {
    await bob.page.getByRole('button', { name, exact: true }).waitFor();
  }

  for (const p of [ada, bob, cy]) expect([p.name, await micOn(p)]).toEqual([p.name, true]);
  await bob.page.getByRole('button', { name: 'Mute all', exact: true }).click();
  await waitUntil('Cy’s microphone button to show muted', async () => !(await micOn(cy)));
  expect(await toggle(cy.page, /microphone/i).getAttribute('aria-label')).toBe('Turn on microphone');
  await waitForTileState(ada.page, cy.id, 'data-audio', 'off');
  await waitForTileState(bob.page, cy.id, 'data-audio', 'off');
  // The request went out to everybody at once: the host and the co-host, asked nothing, stay on.
  await sleep(500);
  expect(await micOn(ada)).toBe(true);
  expect(await micOn(bob)).toBe(true);
  await waitForTileState(cy.page, ada.id, 'data-audio', 'on');
});

test('the host locks chat and screen sharing: Cy cannot send nor share, Bob the co-host can send and Cy reads it', async () => {
  await ada.page.getByRole('button', { name: 'Lock chat', exact: true }).click();
  await waitUntil('Lock chat to show pressed', async () => (await pressed(ada.page, 'Lock chat')) === 'true');
  await waitUntil('Bob’s Lock chat to show pressed', async () => (await pressed(bob.page, 'Lock chat')) === 'true');

  const cyBox = await openChat(cy.page);
  await waitUntil('Cy’s message box to be disabled', () => cyBox.isDisabled());
  await cy.page.getByText('Only hosts can send messages', { exact: true }).waitFor();
  expect(await cy.page.getByRole('button', { name: 'Send message' }).isDisabled()).toBe(true);

  const bobBox = await openChat(bob.page);
  expect(await bobBox.isDisabled()).toBe(false);
  await bobBox.fill('co-host speaking');
  await bobBox.press('Enter');
  await cy.page.locator('.chat-text').getByText('co-host speaking', { exact: true }).waitFor();
  expect(await bob.page.locator('.chat-text').getByText('co-host speaking', { exact: true }).count()).toBe(1);

  // A message that races the lock (sent from a box that was still on) is refused, and Cy is told why.
  await cy.page.evaluate(() => {
    const box = document.querySelector('textarea[aria-label="Message"]') as HTMLTextAreaElement;
    box.disabled = false;
    box.value = 'sneaking in';
    box.form?.requestSubmit();
    box.disabled = true;
  });
  await cy.page.getByText('Only hosts can send messages now.', { exact: true }).waitFor();
  await sleep(300);
  expect(await ada.page.getByText('sneaking in').count()).toBe(0);

  // Screen sharing: Cy's button is off and says why; Bob's is not.
  await ada.page.getByRole('button', { name: 'Lock screen share', exact: true }).click();
  const cyShare = cy.page.getByRole('button', { name: 'Share screen', exact: true });
  await waitUntil('Cy’s Share screen button to be disabled', () => cyShare.isDisabled());
  expect(await cyShare.getAttribute('title')).toBe('Only hosts can share their screen now');
  expect(await bob.page.getByRole('button', { name: 'Share screen', exact: true }).isDisabled()).toBe(false);

  // Unlocked again: Cy can send.
  await ada.page.getByRole('button', { name: 'Lock chat', exact: true }).click();
  await waitUntil('Cy’s message box to be enabled', async () => !(await cyBox.isDisabled()));
  await ada.page.getByRole('button', { name: 'Lock screen share', exact: true }).click();
  await waitUntil('Cy’s Share screen button to be enabled', async () => !(await cyShare.isDisabled()));
});

test('raised hands queue in the order they went up; the host lowers Cy’s and Cy’s button follows', async () => {
  await openPeople(ada.page);
  await cy.page.getByRole('button', { name: 'Raise hand', exact: true }).click();
  await ada.page.locator(`[data-participant-id="${cy.id}"][data-hand="up"]`).waitFor();
  await bob.page.getByRole('button', { name: 'Raise hand', exact: true }).click();
  const order = await waitUntil('the host’s People panel to list Cy, then Bob, first', async () => {
    const names = await peopleList(ada.page).locator('.person-name').allTextContents();
    return names.join(',') === 'Cy,Bob,Ada' ? names : undefined;
  });
  expect(order).toEqual(['Cy', 'Bob', 'Ada']);
  await personRow(ada.page, 'Cy').getByRole('img', { name: 'Hand raised, number 1 in line' }).waitFor();
  await personRow(ada.page, 'Bob').getByRole('img', { name: 'Hand raised, number 2 in line' }).waitFor();
  expect(await personRow(ada.page, 'Ada').getByRole('button', { name: 'Lower hand' }).count()).toBe(0);
  expect(await pressed(cy.page, 'Raise hand')).toBe('true');

  await personRow(ada.page, 'Cy').getByRole('button', { name: 'Lower hand', exact: true }).click();
  await waitUntil('Cy’s Raise hand button to be no longer pressed', async () => (await pressed(cy.page, 'Raise hand')) === 'false');
  await ada.page.locator(`[data-participant-id="${cy.id}"][data-hand="down"]`).waitFor();
  await personRow(ada.page, 'Bob').getByRole('img', { name: 'Hand raised, number 1 in line' }).waitFor();
  expect(
    await personRow(ada.page, 'Cy')
      .getByRole('img', { name: /Hand raised/ })
      .count(),
  ).toBe(0);
  expect(await pressed(bob.page, 'Raise hand')).toBe('true');
  // Cy raises again: behind Bob now.
  await cy.page.getByRole('button', { name: 'Raise hand', exact: true }).click();
  await personRow(ada.page, 'Cy').getByRole('img', { name: 'Hand raised, number 2 in line' }).waitFor();
});
