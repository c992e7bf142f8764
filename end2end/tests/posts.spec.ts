import { expect, test, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  BLUE,
  OwnServer,
  RED,
  apiChannel,
  apiPost,
  open,
  openPosts,
  png,
  postItems,
  postList,
  preview,
  unique,
} from './helpers';

async function choose(page: Page, channel: string, type: 'Image and Text' | 'Image Only' | 'Text Only') {
  await page.getByLabel('Channel', { exact: true }).selectOption({ label: channel });
  await page.getByRole('radiogroup', { name: 'Post type' }).getByRole('radio', { name: type }).check();
}

async function addLink(page: Page, label: string, url: string) {
  await page.getByRole('button', { name: 'Add link' }).click();
  await page.getByLabel('Link text').fill(label);
  await page.getByLabel('URL', { exact: true }).fill(url);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
}

async function addImages(page: Page, files: (typeof RED)[]) {
  await page.getByLabel('Images', { exact: true }).setInputFiles(files);
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(files.length);
}

async function search(page: Page, query: string) {
  const box = page.getByRole('searchbox', { name: 'Search posts' });
  await box.fill(query);
  await box.press('Enter');
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(query)}`));
}

test('Image and Text: composed, previewed live, published, listed and found by an English and a Korean word', async ({ page, request }) => {
  const channel = unique('Morning');
  await apiChannel(request, channel);
  const word = `zebra${Date.now().toString(36)}`;
  await openPosts(page);
  await choose(page, channel, 'Image and Text');
  await page.getByLabel('Content').fill(`Today: ${word} crossing.\n오늘의 날씨예보 맑음`);
  await addImages(page, [RED, BLUE]);
  await addLink(page, 'Full forecast', 'https://example.com/forecast');

  // The preview shows everything before anything is published.
  const live = preview(page);
  await expect(live).toContainText(`Today: ${word} crossing.`);
  await expect(live).toContainText(channel);
  await expect(live.getByRole('img')).toHaveCount(2);
  await expect(live.getByRole('img', { name: 'Image 1 of 2' })).toBeVisible();
  await expect(live.getByRole('link', { name: 'Full forecast' })).toHaveAttribute('href', 'https://example.com/forecast');
  // It follows every keystroke.
  await page.getByLabel('Content').press('End');
  await page.getByLabel('Content').type('!');
  await expect(live).toContainText('맑음!');

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Content')).toHaveValue('');
  const first = postItems(page).first();
  await expect(first).toContainText(word);
  await expect(first).toContainText('Image and Text');
  await expect(first.getByRole('img')).toHaveCount(2);

  await search(page, word);
  await expect(postItems(page)).toHaveCount(1);
  await expect(postList(page).locator('mark').first()).toHaveText(word);

  await search(page, '날씨');
  await expect(postItems(page)).toHaveCount(1);
  await expect(postItems(page).first()).toContainText(word);
  await expect(postList(page).locator('mark').first()).toHaveText('날씨');
});

test('Image Only: no content box, at least one image, published as Image Only', async ({ page, request }) => {
  const channel = unique('Gallery');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  await expect(page.getByLabel('Content')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add link' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await expect(page.getByText('Images: add at least one image.')).toBeVisible();
  await addImages(page, [BLUE]);
  await page.getByLabel('Alt text for image 1').fill('A blue square');
  await expect(preview(page).getByRole('img', { name: 'A blue square' })).toBeVisible();
  await page.getByRole('button', { name: 'Publish' }).click();
  const first = postItems(page).first();
  await expect(first).toContainText(channel);
  await expect(first).toContainText('Image Only');
  await expect(first.getByRole('img', { name: 'A blue square' })).toBeVisible();
});

test('Text Only: text and links, opened whole with links in a new tab', async ({ page, request }) => {
  const channel = unique('Bulletin');
  await apiChannel(request, channel);
  const word = `quokka${Date.now().toString(36)}`;
  await openPosts(page);
  await choose(page, channel, 'Text Only');
  await expect(page.getByLabel('Images', { exact: true })).toHaveCount(0);
  await page.getByLabel('Content').fill(`${word} 新闻联播 ${'long text '.repeat(200)}`);
  await addLink(page, 'Source', 'https://example.org/source');
  await expect(preview(page).getByRole('link', { name: 'Source' })).toBeVisible();
  await page.getByRole('button', { name: 'Publish' }).click();
  const first = postItems(page).first();
  await expect(first).toContainText(word);
  await expect(first).toContainText('Text Only');

  await search(page, '新闻');
  await expect(postItems(page).first()).toContainText(word);

  await first.getByRole('link', { name: 'Open post' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  const link = page.getByRole('link', { name: 'Source' });
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', /noopener/);
  await expect(page.getByText(word)).toBeVisible();
});

test('switching type hides what the type does not carry, and switching back restores it', async ({ page, request }) => {
  const channel = unique('Switcher');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image and Text');
  await page.getByLabel('Content').fill('kept across switches');
  await addImages(page, [RED]);
  await page.getByRole('radio', { name: 'Text Only' }).check();
  await expect(page.getByLabel('Images', { exact: true })).toHaveCount(0);
  await expect(preview(page).getByRole('img')).toHaveCount(0);
  await page.getByRole('radio', { name: 'Image Only' }).check();
  await expect(page.getByLabel('Content')).toHaveCount(0);
  await expect(preview(page)).not.toContainText('kept across switches');
  await page.getByRole('radio', { name: 'Image and Text' }).check();
  await expect(page.getByLabel('Content')).toHaveValue('kept across switches');
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(1);
});

test('a javascript: link is refused in the browser and by the server', async ({ page, request }) => {
  const channel = unique('Safe');
  const channelId = await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Text Only');
  await addLink(page, 'Click me', 'javascript:alert(document.cookie)');
  await expect(page.getByRole('alert').filter({ hasText: 'URL must start with http:// or https://.' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'New link' })).toContainText('URL must start with http:// or https://.');
  await expect(preview(page).getByRole('link')).toHaveCount(0);

  const reply = await request.post('/api/publish_post', {
    data: {
      draft: {
        channel_id: channelId,
        kind: 'TextOnly',
        text: 'bypass',
        images: [],
        links: [{ label: 'x', url: 'javascript:alert(1)' }],
      },
      request_id: unique('req').replace(/\W/g, ''),
    },
  });
  expect(reply.status()).toBe(422);
  expect(await reply.json()).toEqual({ Invalid: { UnsupportedScheme: { field: 'LinkUrl' } } });
});

test('a publish whose channel was deleted meanwhile shows the error in the upper right and keeps the draft', async ({ page, request }) => {
  const channel = unique('Vanishing');
  const channelId = await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image and Text');
  await page.getByLabel('Content').fill('Draft that must survive');
  await addImages(page, [RED]);
  await addLink(page, 'Kept link', 'https://example.com/kept');
  expect((await request.post('/api/delete_channel', { form: { id: String(channelId) } })).status()).toBe(200);

  await page.getByRole('button', { name: 'Publish' }).click();
  const toast = page.getByRole('alert').filter({ hasText: 'no longer exists' });
  await expect(toast).toBeVisible();
  const box = (await toast.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.y).toBeLessThan(viewport.height / 4);
  expect(box.x + box.width).toBeGreaterThan(viewport.width * 0.9);

  await expect(page.getByLabel('Content')).toHaveValue('Draft that must survive');
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(1);
  await expect(page.getByRole('form', { name: 'New post' }).getByText('Kept link')).toBeVisible();
});

test('the draft survives a reload', async ({ page, request }) => {
  const channel = unique('Durable');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image and Text');
  await page.getByLabel('Content').fill('Written before the reload 😀');
  await addImages(page, [RED, BLUE]);
  await page.getByLabel('Alt text for image 2').fill('second');
  await addLink(page, 'Reload link', 'https://example.com/reload');

  await openPosts(page);
  await expect(page.getByLabel('Content')).toHaveValue('Written before the reload 😀');
  await expect(page.getByLabel('Channel', { exact: true }).locator('option:checked')).toHaveText(channel);
  await expect(page.getByRole('radio', { name: 'Image and Text' })).toBeChecked();
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(2);
  await expect(page.getByLabel('Alt text for image 2')).toHaveValue('second');
  await expect(page.getByRole('form', { name: 'New post' }).getByText('Reload link')).toBeVisible();
  await expect(preview(page)).toContainText('Written before the reload 😀');
  // Clean up: publish it, which clears the draft for the next tests.
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Content')).toHaveValue('');
  await openPosts(page);
  await expect(page.getByLabel('Content')).toHaveValue('');
});

test('a double click on Publish makes one post', async ({ page, request }) => {
  const channel = unique('Once');
  await apiChannel(request, channel);
  const word = `okapi${Date.now().toString(36)}`;
  await openPosts(page);
  await choose(page, channel, 'Text Only');
  await page.getByLabel('Content').fill(word);
  await page.getByRole('button', { name: 'Publish' }).dblclick();
  await expect(page.getByLabel('Content')).toHaveValue('');
  await search(page, word);
  await expect(postItems(page)).toHaveCount(1);
});

test('images can be reordered and removed before publishing', async ({ page, request }) => {
  const channel = unique('Order');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  await addImages(page, [RED, BLUE]);
  await page.getByLabel('Alt text for image 1').fill('red');
  await page.getByLabel('Alt text for image 2').fill('blue');
  await page.getByRole('button', { name: 'Move image 2 up' }).click();
  await expect(page.getByLabel('Alt text for image 1')).toHaveValue('blue');
  await expect(preview(page).locator('.post-images img').first()).toHaveAttribute('alt', 'blue');
  await page.getByRole('button', { name: 'Remove image 2' }).click();
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(1);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(postItems(page).first().getByRole('img', { name: 'blue' })).toBeVisible();
});

test('filters narrow the list by type and channel', async ({ page, request }) => {
  const a = unique('FilterA');
  const b = unique('FilterB');
  await apiChannel(request, a);
  await apiChannel(request, b);
  await openPosts(page);
  await choose(page, a, 'Text Only');
  await page.getByLabel('Content').fill('from A');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Content')).toHaveValue('');
  await choose(page, b, 'Text Only');
  await page.getByLabel('Content').fill('from B');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Content')).toHaveValue('');

  await page.getByLabel('Filter by channel').selectOption({ label: a });
  await expect(page).toHaveURL(/channel=\d+/);
  await expect(postItems(page)).toHaveCount(1);
  await expect(postList(page)).toContainText('from A');
  await page.getByLabel('Filter by type').selectOption({ label: 'Image Only' });
  await expect(page).toHaveURL(/type=image/);
  await expect(page.getByText('No posts match this search.')).toBeVisible();
  await expect(postList(page)).toHaveCount(0);
  await page.getByLabel('Filter by type').selectOption({ label: 'Text Only' });
  await expect(postItems(page)).toHaveCount(1);
});

test('the post list and a post survive a server restart', async ({ page }) => {
  const dataDir = path.join(__dirname, '..', '.tmp', 'restart-posts-data');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const server = new OwnServer(3103, dataDir);
  await server.start();
  try {
    await server.signIn(page);
    const api = page.request;
    const upload = await api.post(`${server.url}/media`, { data: RED.buffer });
    const photo = (await upload.json()).id;
    const created = await api.post(`${server.url}/api/create_channel`, { form: { name: 'Restart', profile: '', photo } });
    expect(created.status()).toBe(200);
    await openPosts(page, `${server.url}/posts`);
    await choose(page, 'Restart', 'Image and Text');
    await page.getByLabel('Content').fill('Survives restarts');
    await addImages(page, [BLUE]);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(postItems(page).first()).toContainText('Survives restarts');

    await server.stop();
    await server.start();
    await open(page, `${server.url}/posts`);
    const first = postItems(page).first();
    await expect(first).toContainText('Survives restarts');
    await first.getByRole('link', { name: 'Open post' }).click();
    await expect(page).toHaveURL(/\/posts\/\d+$/);
    const image = page.locator('.post-images img').first();
    await expect(image).toHaveAttribute('src', /^\/media\/[0-9a-f]{64}$/);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
});

test('images can be dropped onto the upload area', async ({ page, request }) => {
  const channel = unique('Dropped');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  const bytes = [...RED.buffer];
  const dataTransfer = await page.evaluateHandle((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
    return dt;
  }, bytes);
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(1);
  await expect(preview(page).getByRole('img', { name: 'Image 1 of 1' })).toBeVisible();
});

test('more than 9 images are refused with a message', async ({ page, request }) => {
  const channel = unique('Many');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  const files = Array.from({ length: 10 }, (_, i) => ({
    name: `img${i}.png`,
    mimeType: 'image/png',
    buffer: png(8, 8, [i * 20, 10, 10]),
  }));
  await page.getByLabel('Images', { exact: true }).setInputFiles(files);
  await expect(page.getByRole('alert').filter({ hasText: 'Images: 10 is too many; the limit is 9.' })).toBeVisible();
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(9);
  await expect(page.getByLabel('Images', { exact: true })).toBeDisabled();
});

test('Recall: asked first, keyboard only; the post leaves the list, search and its page, and "Show recalled" finds it marked', async ({ page, request }) => {
  const channel = unique('Recaller');
  const channelId = await apiChannel(request, channel);
  const word = `recallme${Date.now().toString(36)}`;
  for (const text of [`${word} kept`, `${word} withdrawn`]) await apiPost(request, channelId, text);
  await openPosts(page, `/posts?q=${word}`);
  await expect(postItems(page)).toHaveCount(2);
  const withdrawn = postItems(page).filter({ hasText: `${word} withdrawn` });
  const postHref = await withdrawn.getByRole('link', { name: 'Open post' }).getAttribute('href');
  const opener = withdrawn.getByRole('button', { name: 'Recall' });

  // Cancel changes nothing; focus goes back to the button that opened the dialog.
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Recall post?' });
  await expect(dialog).toContainText('Readers will no longer see it');
  const confirm = dialog.getByRole('button', { name: 'Recall' });
  await expect(confirm).toBeFocused();
  // Tab goes round the dialog's controls and never leaves it.
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(confirm).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();
  await expect(postItems(page)).toHaveCount(2);

  await page.keyboard.press('Enter');
  await expect(confirm).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'The post was recalled.' })).toBeVisible();
  await expect(postItems(page)).toHaveCount(1);
  await expect(postItems(page).first()).toContainText(`${word} kept`);

  // Operators still find it, marked, with no second recall.
  await page.getByRole('checkbox', { name: 'Show recalled' }).check();
  await expect(page).toHaveURL(/[?&]recalled=1/);
  await expect(postItems(page)).toHaveCount(1);
  const marked = postItems(page).first();
  await expect(marked).toContainText(`${word} withdrawn`);
  await expect(marked).toContainText('Recalled');
  await expect(marked.getByRole('button', { name: 'Recall' })).toHaveCount(0);

  // Its page is gone for good, as after a REST recall; the audit log says who recalled it.
  await open(page, postHref!);
  await expect(page.getByRole('heading', { name: 'Post not found' })).toBeVisible();
  await open(page, '/audit');
  const rows = page.getByRole('table', { name: 'Audit log' }).getByRole('row');
  await expect(rows.nth(1)).toContainText('Recalled post');
  await expect(rows.nth(1)).toContainText(channel);
});

test('Recall from the post page returns to the list with a notice', async ({ page, request }) => {
  const channel = unique('PageRecall');
  const channelId = await apiChannel(request, channel);
  const text = `single${Date.now().toString(36)}`;
  const id = await apiPost(request, channelId, text);
  await open(page, `/posts/${id}`);
  await page.getByRole('button', { name: 'Recall' }).click();
  await page.getByRole('dialog', { name: 'Recall post?' }).getByRole('button', { name: 'Recall' }).click();
  await expect(page).toHaveURL(/\/posts$/);
  await expect(page.getByRole('status').filter({ hasText: 'The post was recalled.' })).toBeVisible();
  await expect(postList(page)).not.toContainText(text);
});

/** How many images each row of an album holds, top to bottom (images side by side share a row). */
async function albumRows(album: Locator): Promise<number[]> {
  const images = album.getByRole('img');
  const tops: number[] = [];
  for (let i = 0; i < (await images.count()); i++) {
    tops.push(Math.round((await images.nth(i).boundingBox())!.y));
  }
  const rows = new Map<number, number>();
  for (const top of tops) rows.set(top, (rows.get(top) ?? 0) + 1);
  return [...rows.keys()].sort((a, b) => a - b).map((top) => rows.get(top)!);
}

test('several images form an album grid, the same in the preview, the list and the post page', async ({ page, request }) => {
  const channel = unique('Album');
  await apiChannel(request, channel);
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  const images = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({ name: `a${from + i}.png`, mimeType: 'image/png', buffer: png(40, 30, [(from + i) * 25, 90, 60]) }));
  const input = page.getByLabel('Images', { exact: true });
  const album = preview(page).locator('.post-images');

  // One wide image above two.
  await input.setInputFiles(images(3));
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(3);
  // Screen readers hear how the uploads went.
  await expect(page.getByRole('status').filter({ hasText: '3 of 9 images uploaded.' })).toBeAttached();
  await expect.poll(() => albumRows(album)).toEqual([1, 2]);
  const [wide, small] = [await album.getByRole('img').nth(0).boundingBox(), await album.getByRole('img').nth(1).boundingBox()];
  expect(wide!.width).toBeGreaterThan(small!.width * 1.8);
  await page.getByRole('button', { name: 'Publish' }).click();
  const listed = postItems(page).first();
  await expect(listed).toContainText(channel);
  await expect.poll(() => albumRows(listed.locator('.post-images'))).toEqual([1, 2]);
  await listed.getByRole('link', { name: 'Open post' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  await expect.poll(() => albumRows(page.locator('.post-images'))).toEqual([1, 2]);

  // Five, seven and nine, as the composer grows the album.
  await openPosts(page);
  await choose(page, channel, 'Image Only');
  await input.setInputFiles(images(5));
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(5);
  await expect.poll(() => albumRows(album)).toEqual([2, 3]);
  await input.setInputFiles(images(2, 5));
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(7);
  await expect.poll(() => albumRows(album)).toEqual([2, 2, 3]);
  await input.setInputFiles(images(2, 7));
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(9);
  await expect.poll(() => albumRows(album)).toEqual([3, 3, 3]);
});
