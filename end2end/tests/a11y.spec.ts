import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { BLUE, RED, apiChannel, apiPost, channelRow, open, openPosts, postItems, unique } from './helpers';

/** What axe-core finds wrong on the page as it is now (WCAG 2.1 A and AA, and best practices). */
async function noViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
  );
  expect(found).toEqual([]);
  expect(results.passes.length, `${what}: axe checked something`).toBeGreaterThan(10);
}

test('axe finds no violation on any page or dialog', async ({ page, request, browser }) => {
  const channel = unique('Accessible');
  const channelId = await apiChannel(request, channel);
  const upload = async (file: typeof RED) => (await (await request.post('/media', { data: file.buffer })).json()).id;
  const images = [await upload(RED), await upload(BLUE)];
  const postId = await apiPost(request, channelId, '접근성 검사 accessibility check', images, [
    { label: 'More', url: 'https://example.com/more' },
  ]);

  // Pages.
  await open(page, '/channels');
  await noViolations(page, '/channels');
  await openPosts(page);
  await noViolations(page, '/posts');
  await openPosts(page, '/posts?q=accessibility&recalled=1');
  await noViolations(page, '/posts, recalled, nothing found');
  await open(page, `/posts/${postId}`);
  await noViolations(page, '/posts/:id');
  await open(page, '/posts/999999999');
  await noViolations(page, '/posts/:id, not found');
  for (const path of ['/operators', '/audit', '/settings', '/webhooks', `/channels/${channelId}/subscribers`, '/no-such-page']) {
    await open(page, path);
    await noViolations(page, path);
  }
  const signedOut = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const visitor = await signedOut.newPage();
  await open(visitor, '/sign-in');
  await noViolations(visitor, '/sign-in');
  await visitor.getByRole('button', { name: 'Sign in' }).click();
  await noViolations(visitor, '/sign-in, refused');
  await signedOut.close();

  // Dialogs, open.
  await open(page, '/channels');
  await page.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByRole('dialog', { name: 'Create channel' })).toBeVisible();
  await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('x'.repeat(151));
  await expect(page.getByRole('dialog')).toContainText('the limit is 150 bytes');
  await noViolations(page, 'Create channel dialog, with an error');
  await page.keyboard.press('Escape');
  await channelRow(page, channel).getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await noViolations(page, 'Edit channel dialog');
  await page.keyboard.press('Escape');
  await channelRow(page, channel).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog', { name: 'Delete channel?' })).toBeVisible();
  await noViolations(page, 'Delete channel dialog');
  await page.keyboard.press('Escape');

  await openPosts(page);
  await postItems(page).first().getByRole('button', { name: 'Recall' }).click();
  await expect(page.getByRole('dialog', { name: 'Recall post?' })).toBeVisible();
  await noViolations(page, 'Recall post dialog');
  await page.keyboard.press('Escape');

  await open(page, '/operators');
  const operator = unique('helper').replace(/\W/g, '');
  await page.getByLabel('Operator name').fill(operator);
  await page.getByLabel('Initial password').fill('a long enough password');
  await page.getByRole('button', { name: 'Add operator' }).click();
  await page.getByRole('button', { name: `Remove ${operator}` }).click();
  await expect(page.getByRole('dialog', { name: 'Remove operator?' })).toBeVisible();
  await noViolations(page, 'Remove operator dialog');
  await page.getByRole('dialog').getByRole('button', { name: 'Remove', exact: true }).click();

  await open(page, '/settings');
  const make = page.getByRole('button', { name: /(Create|Rotate) secret key/ });
  if ((await make.textContent())?.startsWith('Create')) {
    await make.click();
    await expect(page.getByLabel('New secret key')).toBeVisible();
    await noViolations(page, '/settings, new key shown');
  }
  await page.getByRole('button', { name: 'Rotate secret key' }).click();
  await expect(page.getByRole('dialog', { name: 'Rotate the secret key?' })).toBeVisible();
  await noViolations(page, 'Rotate key dialog');
});
