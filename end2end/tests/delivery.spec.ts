import { expect, test, type Page } from '@playwright/test';
import { apiChannel, open, unique } from './helpers';

// The release build as shipped: each page's code a chunk of its own, hashed names,
// precompressed files, under the nonce-based content security policy.

const PAGES: [string, string][] = [
  ['/channels', 'Channels'],
  ['/posts', 'Posts'],
  ['/operators', 'Operators'],
  ['/audit', 'Audit log'],
  ['/settings', 'Settings'],
];

/** The console's own wasm and script files the page fetched, and whether any failed. */
function watchPkg(page: Page): { chunks: string[]; failures: string[]; errors: string[] } {
  const seen = { chunks: [] as string[], failures: [] as string[], errors: [] as string[] };
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/pkg/')) return;
    if (response.status() !== 200) seen.failures.push(`${url.pathname} ${response.status()}`);
    else if (url.pathname.endsWith('.wasm')) seen.chunks.push(url.pathname);
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|panicked/i.test(message.text())) seen.errors.push(message.text());
  });
  return seen;
}

test('every page loads straight from its address and hydrates, fetching its own chunk', async ({ page }) => {
  for (const [path, heading] of PAGES) {
    const seen = watchPkg(page);
    await open(page, path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    expect(seen.failures, path).toEqual([]);
    expect(seen.errors, path).toEqual([]);
    page.removeAllListeners('response');
    page.removeAllListeners('pageerror');
    page.removeAllListeners('console');
  }
});

test('the sign-in page hydrates for a visitor without a session', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const seen = watchPkg(page);
  await open(page, '/sign-in');
  await expect(page.getByRole('heading', { name: 'Sign in to Channel Console' })).toBeVisible();
  // The sign-in page is part of the shell (the main module): no page's chunk came with it.
  expect(seen.chunks.filter((c) => /\/(split_|chunk_)/.test(c))).toEqual([]);
  expect(seen.chunks).toHaveLength(1);
  expect(seen.failures).toEqual([]);
  expect(seen.errors).toEqual([]);
  await context.close();
});

test('the channel dialog comes when an operator reaches for it, not with the channel page', async ({ page }) => {
  const name = unique('Lazy dialog');
  await apiChannel(page.request, name);
  const seen = watchPkg(page);
  await open(page, '/channels');
  const dialogCode = () => seen.chunks.filter((c) => /channel_form_view/.test(c));
  expect(seen.chunks.some((c) => /_channels_view/.test(c))).toBe(true);
  expect(dialogCode()).toEqual([]);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create channel' });
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  expect(dialogCode()).toHaveLength(1);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  // Opened again (to edit, here): nothing more is fetched.
  await page.getByRole('listitem').filter({ hasText: name }).getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('dialog', { name: 'Edit channel' }).getByLabel('Name', { exact: true })).toHaveValue(name);
  expect(dialogCode()).toHaveLength(1);
  expect(seen.failures).toEqual([]);
  expect(seen.errors).toEqual([]);
});

test('moving between pages fetches each page once and a second visit downloads no file again', async ({ page }) => {
  await open(page, '/channels');
  const seen = watchPkg(page);
  for (const [path, heading] of PAGES.slice(1)) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: heading }).click();
    await expect(page).toHaveURL(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
  }
  expect(seen.chunks.some((c) => /_posts_view/.test(c))).toBe(true);
  expect(seen.failures).toEqual([]);
  expect(seen.errors).toEqual([]);

  // Everything under /pkg/ is kept for a year: a new visit transfers none of it again.
  for (const path of ['/channels', '/posts']) {
    await open(page, path);
    const files = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => e as PerformanceResourceTiming)
        .filter((e) => new URL(e.name).pathname.startsWith('/pkg/'))
        .map((e) => ({ file: new URL(e.name).pathname, transferred: e.transferSize })),
    );
    expect(files.length, path).toBeGreaterThan(0);
    expect(files.filter((f) => f.transferred > 0), path).toEqual([]);
  }
});

test('a page whose chunk cannot be fetched (a new version was deployed) loads again from the server', async ({ page }) => {
  await open(page, '/channels');
  // The tab knows the old names; the server no longer has the posts page's chunk under them.
  let refused = 0;
  await page.route(/\/pkg\/split_.*_posts_view.*\.wasm$/, async (route) => {
    if (refused++ === 0) await route.fulfill({ status: 404, body: 'Not found' });
    else await route.continue();
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Posts' }).click();
  await expect(page.getByRole('heading', { name: 'Posts', level: 1 })).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page).toHaveURL('/posts');
  expect(refused).toBeGreaterThanOrEqual(2);
  // And it works: the composer answers.
  await expect(page.getByLabel('Content')).toBeEditable();
});
