import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { ADMIN, ADMIN_PASSWORD } from '../accounts';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A real PNG of the given size and colour, made here so the tests need no fixture files. */
export const png: (width: number, height: number, rgb: [number, number, number]) => Buffer =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../png.cjs').solidPng;

export const RED = { name: 'red.png', mimeType: 'image/png', buffer: png(64, 48, [200, 30, 30]) };
export const BLUE = { name: 'blue.png', mimeType: 'image/png', buffer: png(48, 64, [30, 30, 200]) };

let counter = 0;
/** A name no other test uses, so tests sharing one server never see each other's data. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${Date.now().toString(36)}${counter}`;
}

/** Waits until the page is hydrated, so clicks reach the Rust handlers. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** Opens a page and waits until it is hydrated. */
export async function open(page: Page, url = '/channels'): Promise<void> {
  await page.goto(url);
  await hydrated(page);
}

/** Signs in through the sign-in page, as an operator does, and waits for the console. */
export async function signIn(
  page: Page,
  base = '',
  name = ADMIN,
  password = ADMIN_PASSWORD,
): Promise<void> {
  await open(page, `${base}/sign-in`);
  await page.getByLabel('Operator').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

export function channelRow(page: Page, name: string): Locator {
  return page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

export function createDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Create channel' });
}

export async function fillChannelForm(
  dialog: Locator,
  fields: { name?: string; profile?: string; photo?: typeof RED },
): Promise<void> {
  if (fields.name !== undefined) await dialog.getByLabel('Name', { exact: true }).fill(fields.name);
  if (fields.profile !== undefined)
    await dialog.getByLabel('Profile', { exact: true }).fill(fields.profile);
  if (fields.photo) {
    await dialog.getByLabel('Profile photo').setInputFiles(fields.photo);
    await expect(dialog.getByText(/^Uploaded \(png/)).toBeVisible();
  }
}

/** Creates a channel through the dialog, as an operator does, and waits for it in the list. */
export async function createChannel(
  page: Page,
  fields: { name: string; profile?: string; photo?: typeof RED },
): Promise<Locator> {
  await page.getByRole('button', { name: 'Create channel' }).click();
  const dialog = createDialog(page);
  await fillChannelForm(dialog, { photo: RED, ...fields });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  const row = channelRow(page, fields.name);
  await expect(row).toBeVisible();
  return row;
}

/** A second server of our own, for tests that must restart it or start empty. */
export class OwnServer {
  private child?: ChildProcess;
  constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      path.join(ROOT, 'target', 'release', 'server'),
      ['--addr', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LEPTOS_SITE_ROOT: path.join(ROOT, 'target', 'site'),
          RUST_LOG: 'warn',
          CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          ...this.env,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${this.url}/sign-in`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server on port ${this.port} did not start`);
  }

  /** Signs the page's browser in to this server (its own database, its own sessions). */
  async signIn(page: Page): Promise<void> {
    await signIn(page, this.url);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Creates a channel straight through the server (the channel flows have their own tests). */
export async function apiChannel(request: APIRequestContext, name: string, base = ''): Promise<number> {
  const upload = await request.post(`${base}/media`, { data: png(32, 32, [20, 120, 90]) });
  expect(upload.status()).toBe(201);
  const photo = (await upload.json()).id;
  const created = await request.post(`${base}/api/create_channel`, { form: { name, profile: '', photo } });
  expect(created.status()).toBe(200);
  return (await created.json()).id;
}

/** Publishes a post straight through the server (Text Only, or Image and Text with `media`); returns its id. */
export async function apiPost(
  request: APIRequestContext,
  channelId: number,
  text: string,
  media: string[] = [],
  links: { label: string; url: string }[] = [],
): Promise<number> {
  const reply = await request.post('/api/publish_post', {
    data: {
      draft: {
        channel_id: channelId,
        kind: media.length ? 'ImageAndText' : 'TextOnly',
        text,
        images: media.map((id) => ({ media: id, alt: '' })),
        links,
      },
      request_id: unique('req').replace(/\W/g, ''),
    },
  });
  expect(reply.status()).toBe(200);
  return (await reply.json()).id;
}

/** Opens the posts page, hydrated, with the composer ready. */
export async function openPosts(page: Page, url = '/posts'): Promise<void> {
  await open(page, url);
  await expect(page.getByRole('button', { name: 'Publish' })).toBeVisible();
}

export function preview(page: Page): Locator {
  return page.getByRole('region', { name: 'Preview' });
}

export function postList(page: Page): Locator {
  return page.getByRole('list', { name: 'Posts' });
}

/** The posts of the list (not the list items of their links). */
export function postItems(page: Page): Locator {
  return postList(page).locator(':scope > li');
}

/** Makes (or rotates) the secret key on the Settings page and returns it with the app id. */
export async function newKey(page: Page): Promise<{ appid: number; key: string }> {
  await open(page, '/settings');
  const rotate = page.getByRole('button', { name: 'Rotate secret key' });
  if (await rotate.isVisible()) {
    await rotate.click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the secret key?' });
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    await expect(dialog).toBeHidden();
  } else {
    await page.getByRole('button', { name: 'Create secret key' }).click();
  }
  const field = page.getByLabel('New secret key');
  await expect(field).toHaveValue(/^[0-9a-f]{64}$/);
  const key = await field.inputValue();
  const appid = Number(await page.getByRole('definition').first().innerText());
  expect(appid).toBeGreaterThan(1_400_000_000);
  return { appid, key };
}
