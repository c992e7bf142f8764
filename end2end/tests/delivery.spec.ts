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
  await expect.poll(() => seen.chunks).toHaveLength(1);
  expect(seen.failures).toEqual([]);
  expect(seen.errors).toEqual([]);
  await context.close();
});

test('the channel dialogs come when an operator reaches for them, not with the channel page', async ({ page }) => {
  const name = unique('Lazy dialog');
  await apiChannel(page.request, name);
  const seen = watchPkg(page);
  await open(page, '/channels');
  const dialogCode = () => seen.chunks.filter((c) => /channel_form_view/.test(c));
  const deleteCode = () => seen.chunks.filter((c) => /delete_channel_view/.test(c));
  // Playwright may report a response after the page has used it: wait for the report.
  await expect.poll(() => seen.chunks.some((c) => /_channels_view/.test(c))).toBe(true);
  expect(dialogCode()).toEqual([]);
  expect(deleteCode()).toEqual([]);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create channel' });
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  await expect.poll(dialogCode).toHaveLength(1);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  // Opened again (to edit, here): nothing more is fetched.
  const row = page.getByRole('listitem').filter({ hasText: name });
  await row.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit channel' });
  await expect(edit.getByLabel('Name', { exact: true })).toHaveValue(name);
  expect(dialogCode()).toHaveLength(1);
  await edit.getByRole('button', { name: 'Cancel' }).click();
  await expect(edit).toHaveCount(0);
  // The delete dialog, with the delete action, is a chunk of its own too.
  expect(deleteCode()).toEqual([]);
  await row.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete channel?' });
  await expect(confirm).toContainText(name);
  await expect.poll(deleteCode).toHaveLength(1);
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toBeVisible();
  expect(seen.failures).toEqual([]);
  expect(seen.errors).toEqual([]);
});

test('a page\'s chunks come compressed against the main module, which the browser keeps as their dictionary', async ({ page }) => {
  const encodings = new Map<string, string | undefined>();
  const sizes = new Map<string, number>();
  let offered: string | undefined;
  page.on('response', async (response) => {
    const file = new URL(response.url()).pathname;
    if (/\/channel-console\.[^/]*\.wasm$/.test(file)) offered = await response.headerValue('use-as-dictionary') ?? undefined;
    else if (/\/pkg\/.*\.wasm$/.test(file)) {
      sizes.set(file, Number(await response.headerValue('content-length')));
      encodings.set(file, await response.headerValue('content-encoding') ?? undefined);
    }
  });
  const seen = watchPkg(page);
  await open(page, '/channels');
  // The page does not preload its chunks: fetched beside the main module, they would come
  // before the dictionary.
  await expect(page.locator('link[rel="preload"][href$=".wasm"]')).toHaveCount(1);
  await expect.poll(() => offered).toBe('match="/pkg/*.wasm"');
  // Every chunk the page fetched (as the page itself lists them) came as dcb...
  const chunks = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((file) => /^\/pkg\/.*\.wasm$/.test(file) && !/\/channel-console\./.test(file)),
  );
  expect(chunks.some((c) => /_channels_view/.test(c))).toBe(true);
  await expect.poll(() => chunks.filter((c) => !encodings.has(c))).toEqual([]);
  // Except a chunk of a few bytes, which brotli alone sends in fewer than dcb's header
  // (the build then writes no dcb copy).
  expect(chunks.filter((c) => encodings.get(c) !== 'dcb' && !(encodings.get(c) === 'br' && sizes.get(c)! < 100))).toEqual([]);
  expect(chunks.filter((c) => encodings.get(c) === 'dcb').length).toBeGreaterThan(chunks.length / 2);
  // Decoded and running: the dialog's code (dcb too) opens the dialog.
  await page.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByRole('dialog', { name: 'Create channel' }).getByLabel('Name', { exact: true })).toBeFocused();
  await expect.poll(() => [...encodings].filter(([c]) => /channel_form_view/.test(c))).toEqual([[expect.any(String), 'dcb']]);
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
  await expect.poll(() => seen.chunks.some((c) => /_posts_view/.test(c))).toBe(true);
  // The three administration pages came with one module.
  await expect.poll(() => seen.chunks.filter((c) => /admin_view/.test(c))).toHaveLength(1);
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

test('a page is marked interactive only once its slowest chunk is in and hydrated', async ({ page }) => {
  // The channel page's own chunk held back: effects made while hydrating run meanwhile, and
  // a mark set by one of them said "interactive" before the page's buttons had handlers.
  let released = false;
  await page.route(/\/pkg\/split___channels_view.*\.wasm$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    released = true;
    await route.continue();
  });
  await page.goto('/channels');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 15_000 });
  expect(released).toBe(true);
  // At once, without waiting for anything else: the button works.
  await page.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByRole('dialog', { name: 'Create channel' })).toBeVisible();
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
  // The page loaded again fetches the chunk again (the body kept its hydrated mark meanwhile).
  await expect.poll(() => refused).toBeGreaterThanOrEqual(2);
  // And it works: the composer answers.
  await expect(page.getByLabel('Content')).toBeEditable();
});

// scripts/bin/wasm-opt packs the main module's data segments (scripts/lib/wasm-data-segments.cjs).
const segments: {
  dataSegmentCount(bytes: Uint8Array): number;
  packDataSegments(bytes: Uint8Array, maxGap?: number): Buffer | null;
} = require('../../scripts/lib/wasm-data-segments.cjs');

/**
 * A module with the given data segments (active unless `passive`) and one memory: its own,
 * exported as `m`, or (a chunk's case) `e.m` imported.
 */
function moduleWith(data: [number, string][], { passive = false, imported = false } = {}): Buffer {
  const u32 = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n >>>= 7;
    } while (n);
    return out;
  };
  const section = (id: number, body: number[]) => [id, ...u32(body.length), ...body];
  const segment = ([offset, text]: [number, string]): number[] => {
    const bytes = [...Buffer.from(text)];
    return passive ? [0x01, ...u32(bytes.length), ...bytes] : [0x00, 0x41, ...u32(offset), 0x0b, ...u32(bytes.length), ...bytes];
  };
  return Buffer.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...(imported
      ? section(2, [1, 1, 'e'.charCodeAt(0), 1, 'm'.charCodeAt(0), 0x02, 0x00, 1])
      : [...section(5, [1, 0x00, 1]), ...section(7, [1, 1, 'm'.charCodeAt(0), 0x02, 0])]),
    ...section(12, u32(data.length)),
    ...section(11, [...u32(data.length), ...data.flatMap(segment)]),
  ]);
}

function memoryOf(bytes: Buffer): Uint8Array {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return new Uint8Array((instance.exports.m as WebAssembly.Memory).buffer);
}

test('the build packs the main module\'s constants, every one still in its place', async ({ page }) => {
  // Near neighbours join (the gap written as zeros); far ones stay apart.
  const original = moduleWith([[1000, 'far'], [16, 'ab'], [20, 'cd']]);
  const packed = segments.packDataSegments(original, 256)!;
  expect(segments.dataSegmentCount(original)).toBe(3);
  expect(segments.dataSegmentCount(packed)).toBe(2);
  expect(memoryOf(packed)).toEqual(memoryOf(original));
  expect(Buffer.from(memoryOf(packed).subarray(16, 22))).toEqual(Buffer.from([0x61, 0x62, 0, 0, 0x63, 0x64]));
  // Left alone: a chunk (it imports the memory, where other modules' data lives by the time it
  // comes), overlapping segments (their order matters) and passive ones (code names them).
  expect(segments.packDataSegments(moduleWith([[16, 'ab'], [20, 'cd']], { imported: true }))).toBeNull();
  expect(segments.packDataSegments(moduleWith([[16, 'abcd'], [18, 'xy']]))).toBeNull();
  expect(segments.packDataSegments(moduleWith([[0, 'ab'], [0, 'cd']], { passive: true }))).toBeNull();

  // The main module as the server sends it: unpacked it would have ~2,700 segments.
  const seen = watchPkg(page);
  await open(page, '/channels');
  const main = seen.chunks.find((c) => /\/channel-console\.[^/]*\.wasm$/.test(c))!;
  const bytes = await (await page.request.get(main)).body();
  expect(segments.dataSegmentCount(bytes)).toBeLessThan(100);
});

// The size budget of a first visit: the console's own files (/pkg/: wasm, JS, CSS) as the
// server sends them to Chromium (compressed, headers included), chunks fetched after
// hydration too. Bytes, not time: the same build sends the same bytes on any machine.
const FIRST_VISIT_BUDGET = 250 * 1000;

/** The bytes of /pkg/ files a cold visit to `path` fetched, per file. */
async function firstVisitFiles(page: Page, path: string): Promise<Map<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map<string, string>();
  const files = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = new URL(urls.get(e.requestId) ?? 'about:blank');
    if (url.pathname.startsWith('/pkg/')) files.set(url.pathname, (files.get(url.pathname) ?? 0) + e.encodedDataLength);
  });
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 15_000 });
  await page.waitForLoadState('networkidle');
  return files;
}

function expectWithinBudget(path: string, files: Map<string, number>) {
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  expect(files.size, path).toBeGreaterThan(0);
  expect(total, `${path}: ${JSON.stringify(Object.fromEntries(files))}`).toBeLessThanOrEqual(FIRST_VISIT_BUDGET);
}

test('a first visit to /channels transfers at most 250 KB of the console\'s files', async ({ page }) => {
  expectWithinBudget('/channels', await firstVisitFiles(page, '/channels'));
});

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  test('a first visit to /sign-in transfers at most 250 KB of the console\'s files', async ({ page }) => {
    expectWithinBudget('/sign-in', await firstVisitFiles(page, '/sign-in'));
  });
});
