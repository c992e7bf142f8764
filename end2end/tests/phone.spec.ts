import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ADMIN_PASSWORD } from '../accounts';
import { BLUE, RED, createDialog, fillChannelForm, channelRow, open, postItems, preview, unique } from './helpers';

// A phone held upright, signed out: the main flows from signing in to finding a post.
test.use({ viewport: { width: 390, height: 844 }, storageState: { cookies: [], origins: [] } });

/** Nothing on the page is wider than the screen: it never scrolls sideways. */
async function fitsTheScreen(page: Page) {
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
}

/** Every visible control of the page's main part (and of an open dialog) is at least 44 px tall. */
async function fingerSized(page: Page) {
  const small = await page.evaluate(() =>
    Array.from(document.querySelectorAll('main button, main select, main input:not([type=checkbox]):not([type=radio]):not([type=file]), main a.open-post, .dialog button, .top-bar button'))
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ what: el.outerHTML.slice(0, 80), height: el.getBoundingClientRect().height }))
      .filter((c) => c.height < 44),
  );
  expect(small).toEqual([]);
}

async function go(page: Page, link: string) {
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
  // Going somewhere folds the menu again.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
}

test('on a phone: sign in, create a channel with a photo, publish with images, search; no page scrolls sideways', async ({ page }) => {
  await open(page, '/sign-in');
  await fitsTheScreen(page);
  await fingerSized(page);
  await page.getByLabel('Operator').fill(ADMIN);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/channels$/);
  await expect(page.getByRole('heading', { name: 'Channels', level: 1 })).toBeVisible();
  await fitsTheScreen(page);
  await fingerSized(page);

  // The top bar is one line: the brand and "Menu".
  const bar = await page.locator('header.top-bar').boundingBox();
  expect(bar!.height).toBeLessThan(80);

  const name = unique('Pocket');
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await fillChannelForm(dialog, { name, profile: '휴대폰에서 만든 채널', photo: RED });
  await fitsTheScreen(page);
  await fingerSized(page);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(channelRow(page, name)).toBeVisible();
  await fitsTheScreen(page);

  await go(page, 'Posts');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeVisible();
  await fitsTheScreen(page);
  await fingerSized(page);
  await page.getByLabel('Channel', { exact: true }).selectOption({ label: name });
  const word = `pocket${Date.now().toString(36)}`;
  await page.getByLabel('Content').fill(`${word} 부산 항구 소식`);
  await page.getByLabel('Images', { exact: true }).setInputFiles([RED, BLUE, RED]);
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(3);
  await fitsTheScreen(page);
  // The composer, the preview and the list stack: the preview is below the composer.
  const composer = await page.getByRole('button', { name: 'Publish' }).boundingBox();
  const shown = await preview(page).boundingBox();
  expect(shown!.y).toBeGreaterThan(composer!.y);
  expect(shown!.width).toBeLessThanOrEqual(390);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(postItems(page).first()).toContainText(word);
  await fitsTheScreen(page);

  const box = page.getByRole('searchbox', { name: 'Search posts' });
  await box.fill('항구');
  await box.press('Enter');
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(postItems(page).first()).toContainText(word);
  await fitsTheScreen(page);

  await postItems(page).first().getByRole('link', { name: 'Open post' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  await expect(page.getByText(word)).toBeVisible();
  await fitsTheScreen(page);

  for (const link of ['Operators', 'Audit log', 'Settings']) {
    await go(page, link);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await fitsTheScreen(page);
    await fingerSized(page);
  }

  // Signing out is in the menu too.
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
});
