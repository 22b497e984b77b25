// One participant through the real pages: open the room, type a name, "Join now", wait for the call. Resolves with
// the page and a promise of its "Join now" → first decoded remote frame (the client logs `parley:first-frame <ms>`).
export async function joinPage(context, url, room, name, timeoutMs) {
  const page = await context.newPage();
  const firstFrame = new Promise((resolve) =>
    page.on('console', (m) => {
      const match = /^parley:first-frame (\d+(?:\.\d+)?)/.exec(m.text());
      if (match) resolve(Number(match[1]));
    }),
  );
  await page.goto(`${url}/r/${room}`);
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join now' }).click();
  await page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: timeoutMs });
  return { page, firstFrame };
}
