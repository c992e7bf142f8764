import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  BLUE,
  RED,
  OwnServer,
  channelRow,
  createChannel,
  createDialog,
  fillChannelForm,
  open,
  unique,
} from './helpers';

test('an empty console says so and offers to create a channel', async ({ page }) => {
  const dataDir = path.join(__dirname, '..', '.tmp', 'empty-data');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const server = new OwnServer(3102, dataDir);
  await server.start();
  try {
    await server.signIn(page);
    await open(page, `${server.url}/channels`);
    await expect(page.getByRole('heading', { name: 'Channels', level: 1 })).toBeVisible();
    await expect(page.getByText('No channels yet.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create channel' })).toBeEnabled();
  } finally {
    await server.stop();
  }
});

test('create a channel with a photo: it is listed with photo, name, profile and time', async ({ page }) => {
  await open(page);
  const name = unique('뉴스 News');
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();

  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('Profile', { exact: true }).fill('Headlines twice a day.\nNo spam.');
  await dialog.getByLabel('Profile photo').setInputFiles(RED);
  // The chosen photo previews at once, from the browser's own copy of the file.
  await expect(dialog.getByRole('img', { name: 'Chosen profile photo' })).toHaveAttribute('src', /^(blob:|\/media\/)/);
  await expect(dialog.getByText('Uploaded (png, 64×48')).toBeVisible();
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();

  await expect(dialog).toBeHidden();
  const row = channelRow(page, name);
  await expect(row).toBeVisible();
  await expect(row.getByText('Headlines twice a day.')).toBeVisible();
  await expect(row.getByText(/^Created \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)).toBeVisible();
  const thumb = row.locator('img.avatar');
  await expect(thumb).toHaveAttribute('src', /^\/media\/[0-9a-f]{64}\/thumb$/);
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  // It was stored: a fresh page load renders it on the server.
  await open(page);
  await expect(channelRow(page, name)).toBeVisible();
});

test('byte counters count UTF-8 bytes as the operator types', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await expect(dialog.getByText('0 / 150 bytes')).toBeVisible();
  await expect(dialog.getByText('0 / 400 bytes')).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill('한글 ok');
  await expect(dialog.getByText('9 / 150 bytes')).toBeVisible();
  await dialog.getByLabel('Profile', { exact: true }).fill('😀 emoji');
  await expect(dialog.getByText('10 / 400 bytes')).toBeVisible();
  // The counter belongs to its field for screen readers.
  await expect(dialog.getByLabel('Name', { exact: true })).toHaveAccessibleDescription('9 / 150 bytes');
});

test('over-limit input is blocked in the browser with a message naming field and limit', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  const create = dialog.getByRole('button', { name: 'Create', exact: true });
  await fillChannelForm(dialog, { name: 'a'.repeat(150), photo: RED });
  await expect(dialog.getByText('150 / 150 bytes')).toBeVisible();
  await expect(create).toBeEnabled();

  await dialog.getByLabel('Name', { exact: true }).fill('a'.repeat(151));
  await expect(dialog.getByText('Name is 151 bytes; the limit is 150 bytes.').first()).toBeVisible();
  await expect(create).toBeDisabled();

  await dialog.getByLabel('Name', { exact: true }).fill('한'.repeat(51));
  await expect(dialog.getByText('Name is 153 bytes; the limit is 150 bytes.').first()).toBeVisible();
  await expect(create).toBeDisabled();

  await dialog.getByLabel('Name', { exact: true }).fill('한'.repeat(50));
  await dialog.getByLabel('Profile', { exact: true }).fill('b'.repeat(401));
  await expect(dialog.getByText('Profile is 401 bytes; the limit is 400 bytes.').first()).toBeVisible();
  await expect(create).toBeDisabled();

  await dialog.getByLabel('Profile', { exact: true }).fill('');
  await dialog.getByLabel('Name', { exact: true }).fill('   ');
  await expect(dialog.getByText('Name is required.')).toBeVisible();
  await expect(create).toBeDisabled();
});

test('the server refuses over-limit input that bypasses the browser', async ({ page, request }) => {
  const upload = await request.post('/media', { data: RED.buffer });
  expect(upload.status()).toBe(201);
  const photo = (await upload.json()).id as string;
  const name = 'z'.repeat(151);

  const reply = await request.post('/api/create_channel', { form: { name, profile: '', photo } });
  expect(reply.status()).toBe(422);
  expect(await reply.json()).toEqual({
    Invalid: { TooLong: { field: 'ChannelName', max: 150, actual: 151 } },
  });

  const profile = await request.post('/api/create_channel', {
    form: { name: 'fine', profile: '한'.repeat(134), photo },
  });
  expect(profile.status()).toBe(422);
  expect(await profile.json()).toEqual({
    Invalid: { TooLong: { field: 'ChannelProfile', max: 400, actual: 402 } },
  });

  await open(page);
  await expect(page.getByRole('heading', { name })).toHaveCount(0);
});

test('edit changes the name, the profile and the photo', async ({ page }) => {
  await open(page);
  const name = unique('Editable');
  const row = await createChannel(page, { name, profile: 'First profile' });
  const oldThumb = await row.locator('img.avatar').getAttribute('src');

  await row.getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit channel' });
  await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(dialog.getByLabel('Profile', { exact: true })).toHaveValue('First profile');
  const renamed = unique('Renamed');
  await dialog.getByLabel('Name', { exact: true }).fill(renamed);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const renamedRow = channelRow(page, renamed);
  await expect(renamedRow).toBeVisible();
  await expect(channelRow(page, name)).toHaveCount(0);

  await renamedRow.getByRole('button', { name: 'Edit' }).click();
  await dialog.getByLabel('Profile', { exact: true }).fill('Second profile');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(renamedRow.getByText('Second profile')).toBeVisible();

  await renamedRow.getByRole('button', { name: 'Edit' }).click();
  await fillChannelForm(dialog, { photo: BLUE });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(renamedRow.locator('img.avatar')).not.toHaveAttribute('src', oldThumb!);

  await open(page);
  const reloaded = channelRow(page, renamed);
  await expect(reloaded.getByText('Second profile')).toBeVisible();
  await expect(reloaded.locator('img.avatar')).not.toHaveAttribute('src', oldThumb!);
});

test('delete asks first: cancel keeps the channel, confirm removes it for good', async ({ page }) => {
  await open(page);
  const name = unique('Doomed');
  const row = await createChannel(page, { name });

  await row.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete channel?' });
  await expect(confirm).toContainText(name);
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toBeVisible();
  await open(page);
  await expect(channelRow(page, name)).toBeVisible();

  await channelRow(page, name).getByRole('button', { name: 'Delete' }).click();
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(confirm).toBeHidden();
  await expect(channelRow(page, name)).toHaveCount(0);
  await open(page);
  await expect(channelRow(page, name)).toHaveCount(0);
});

test('a text file renamed to .png is refused with a message, and the form keeps its input', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await dialog.getByLabel('Name', { exact: true }).fill('Keeps this name');
  await dialog.getByLabel('Profile photo').setInputFiles({
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: Buffer.from('This is a plain text file wearing a .png name.'),
  });
  const toast = page.getByRole('alert').filter({ hasText: 'not an image' });
  await expect(toast).toContainText('Profile photo: the file is not an image');
  // The popup sits in the upper right corner.
  const box = (await toast.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.y).toBeLessThan(viewport.height / 4);
  expect(box.x + box.width).toBeGreaterThan(viewport.width * 0.9);

  await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue('Keeps this name');
  await expect(dialog.getByRole('button', { name: 'Create', exact: true })).toBeDisabled();
  await expect(dialog.getByText('Profile photo is required.')).toBeVisible();
});

test('a failed save shows the server message and keeps what the operator typed', async ({ page, request }) => {
  await open(page);
  const name = unique('Vanishing');
  const row = await createChannel(page, { name });
  await row.getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit channel' });
  await dialog.getByLabel('Profile', { exact: true }).fill('typed before the channel vanished');

  // Someone else deletes the channel meanwhile.
  const id = await request
    .post('/api/list_channels', { form: { page: '1' } })
    .then((r) => r.json())
    .then((list) => list.channels.find((c: { name: string }) => c.name === name).id);
  expect((await request.post('/api/delete_channel', { form: { id: String(id) } })).status()).toBe(200);

  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'no longer exists' })).toBeVisible();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Profile', { exact: true })).toHaveValue('typed before the channel vanished');
  // The list was read again: closed, the dialog leaves a list without the vanished channel.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(channelRow(page, name)).toHaveCount(0);
});

test('a network failure on create shows a toast and keeps the dialog as it was', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await fillChannelForm(dialog, { name: 'Offline attempt', profile: 'still here', photo: RED });
  await page.route('**/api/create_channel', (route) => route.abort('internetdisconnected'));
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not reach the server' })).toBeVisible();
  await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue('Offline attempt');
  await expect(dialog.getByLabel('Profile', { exact: true })).toHaveValue('still here');
  await expect(dialog.getByText(/^Uploaded \(png/)).toBeVisible();

  await page.unroute('**/api/create_channel');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(channelRow(page, 'Offline attempt')).toBeVisible();
});

test('an answer the browser cannot read is said with what was wrong, and nothing typed is lost', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await open(page);
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await fillChannelForm(dialog, { name: 'Unreadable answer', profile: 'kept', photo: RED });
  // JSON the reader refuses (a channel without its id), then no JSON at all.
  for (const body of ['{"name":"Unreadable answer"}', 'not json']) {
    await page.route('**/api/create_channel', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body }),
    );
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const toast = page.getByRole('alert').filter({ hasText: 'Could not reach the server' }).last();
    await expect(toast).toBeVisible();
    if (body.startsWith('{')) await expect(toast).toContainText('missing field `id`');
    await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue('Unreadable answer');
    await expect(dialog.getByLabel('Profile', { exact: true })).toHaveValue('kept');
    await page.unroute('**/api/create_channel');
  }
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(channelRow(page, 'Unreadable answer')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a save still on its way when the dialog is closed still lands: listed, or its failure said', async ({ page }) => {
  await open(page);
  /** Holds create_channel requests until `let go` runs, then sends or fails them. */
  const hold = async (outcome: 'send' | 'fail') => {
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    await page.unroute('**/api/create_channel');
    await page.route('**/api/create_channel', async (route) => {
      await held;
      await (outcome === 'send' ? route.continue() : route.abort('internetdisconnected'));
    });
    return letGo;
  };
  const sendAndClose = async (name: string) => {
    await page.getByRole('button', { name: 'Create channel' }).click();
    const dialog = createDialog(page);
    await fillChannelForm(dialog, { name, profile: 'sent, then the dialog closed', photo: RED });
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(dialog.getByRole('button', { name: 'Creating…' })).toBeDisabled();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  };

  const landed = unique('Closed early');
  let letGo = await hold('send');
  await sendAndClose(landed);
  letGo();
  await expect(channelRow(page, landed)).toBeVisible();

  letGo = await hold('fail');
  await sendAndClose(unique('Never sent'));
  letGo();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not reach the server' })).toBeVisible();
  await page.unroute('**/api/create_channel');
});

test('a deletion still on its way when its dialog is closed still lands', async ({ page }) => {
  await open(page);
  const name = unique('Closed on delete');
  const row = await createChannel(page, { name });
  let letGo!: () => void;
  const held = new Promise<void>((resolve) => (letGo = resolve));
  await page.route('**/api/delete_channel', async (route) => {
    await held;
    await route.continue();
  });
  await row.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete channel?' });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(confirm.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toBeVisible();
  letGo();
  await expect(channelRow(page, name)).toHaveCount(0);
  await page.unroute('**/api/delete_channel');
});

test('navigation between pages happens in the browser, without a reload', async ({ page }) => {
  await open(page, '/');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Channels' }).click();
  await expect(page).toHaveURL(/\/channels$/);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
});

test('channels survive a server restart', async ({ page }) => {
  const dataDir = path.join(__dirname, '..', '.tmp', 'restart-data');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const server = new OwnServer(3101, dataDir);
  await server.start();
  await server.signIn(page);
  const name = unique('Persistent 채널');
  try {
    await open(page, `${server.url}/channels`);
    await createChannel(page, { name, profile: 'Still here after a restart.' });
    await server.stop();
    await server.start();
    await open(page, `${server.url}/channels`);
    const row = channelRow(page, name);
    await expect(row.getByText('Still here after a restart.')).toBeVisible();
    const thumb = row.locator('img.avatar');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
});
