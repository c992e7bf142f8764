import { expect, test, type Locator, type Page } from '@playwright/test';
import { RED, channelRow, open, openPosts, postItems, unique } from './helpers';

/** Presses Tab until `target` has focus, as a keyboard user does; fails if it never gets it. */
async function tabTo(page: Page, target: Locator, most = 60) {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** The focused control shows a focus ring. */
async function ringShown(target: Locator) {
  await expect(target).toBeFocused();
  const outline = await target.evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
  expect(outline).not.toMatch(/^none|0px$/);
}

test('keyboard only: create a channel with a photo, publish, search, and delete with confirmation', async ({ page }) => {
  const name = unique('Keys');
  await open(page, '/channels');

  const create = page.getByRole('button', { name: 'Create channel' });
  await tabTo(page, create);
  await ringShown(create);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Create channel' });
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  await page.keyboard.type(name);
  await tabTo(page, dialog.getByLabel('Profile', { exact: true }));
  await page.keyboard.type('만든 사람: 키보드');
  const photo = dialog.getByLabel('Profile photo');
  await tabTo(page, photo);
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Space');
  await (await chooser).setFiles(RED);
  await expect(dialog.getByText(/^Uploaded \(png/)).toBeVisible();
  // The upload's progress and outcome are announced.
  await expect(dialog.getByRole('status').filter({ hasText: /Uploaded/ })).toBeAttached();
  const confirm = dialog.getByRole('button', { name: 'Create', exact: true });
  await tabTo(page, confirm);
  await ringShown(confirm);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(channelRow(page, name)).toBeVisible();
  await expect(channelRow(page, name).locator('img.avatar')).toBeVisible();
  // Focus went back to the control that opened the dialog.
  await expect(create).toBeFocused();

  // Publish from it, and find the post.
  await openPosts(page);
  const channel = page.getByLabel('Channel', { exact: true });
  await tabTo(page, channel);
  await page.keyboard.type(name);
  await expect(channel.locator('option:checked')).toHaveText(name);
  await page.getByRole('radio', { name: 'Text Only' }).focus();
  await page.keyboard.press('Space');
  const word = `keyed${Date.now().toString(36)}`;
  const content = page.getByLabel('Content');
  await tabTo(page, content);
  await page.keyboard.type(`${word} 키보드로 쓴 글`);
  const publish = page.getByRole('button', { name: 'Publish' });
  await tabTo(page, publish);
  await ringShown(publish);
  await page.keyboard.press('Enter');
  await expect(postItems(page).first()).toContainText(word);

  const search = page.getByRole('searchbox', { name: 'Search posts' });
  await tabTo(page, search);
  await page.keyboard.type('키보드로');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(postItems(page)).toHaveCount(1);
  await expect(postItems(page).first()).toContainText(word);

  // Delete the channel, confirmed in its dialog.
  await open(page, '/channels');
  const remove = channelRow(page, name).getByRole('button', { name: 'Delete' });
  await tabTo(page, remove);
  await ringShown(remove);
  await page.keyboard.press('Enter');
  const ask = page.getByRole('dialog', { name: 'Delete channel?' });
  await expect(ask.getByRole('button', { name: 'Delete' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(ask).toBeHidden();
  await expect(channelRow(page, name)).toHaveCount(0);
});
