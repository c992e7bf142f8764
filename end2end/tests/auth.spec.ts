import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN, ADMIN_PASSWORD } from '../accounts';
import { OwnServer, apiChannel, createChannel, open, openPosts, signIn, unique } from './helpers';

const SIGNED_OUT = { cookies: [], origins: [] };

async function expectSignInPage(page: Page, next?: string): Promise<void> {
  await expect(page).toHaveURL(/\/sign-in(\?|$)/);
  if (next !== undefined) {
    expect(new URL(page.url()).searchParams.get('next')).toBe(next);
  }
  await expect(page.getByRole('heading', { name: 'Sign in to Channel Console' })).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

test.describe('signed out', () => {
  test.use({ storageState: SIGNED_OUT });

  test('an operator signs in, lands where they were going, and signs out', async ({ page }) => {
    await page.goto('/posts?q=hello');
    await expectSignInPage(page, '/posts?q=hello');
    // Nothing of the console shows before signing in.
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await page.getByLabel('Operator').fill(ADMIN);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/posts\?q=hello$/);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.locator('.top-bar .session')).toContainText(ADMIN);

    // The session cookie is out of reach of scripts.
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'console_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('console_session');

    await open(page, '/channels');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectSignInPage(page);
    // Signed out on the server too: the console is closed again.
    await page.goto('/channels');
    await expectSignInPage(page, '/channels');
    const list = await page.request.post('/api/list_channels', { form: { page: '1' } });
    expect(list.status()).toBe(401);
  });

  test('before the page is interactive (no JavaScript), the forms post themselves', async ({ browser, baseURL }) => {
    // The sign-in and sign-out forms are plain forms to the server functions; the app's
    // script only takes their submit over.
    const context = await browser.newContext({ storageState: SIGNED_OUT, javaScriptEnabled: false, baseURL });
    const page = await context.newPage();
    await page.goto('/sign-in?next=%2Fposts%3Fq%3Dnojs');
    await page.getByLabel('Operator').fill(ADMIN);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The operator name or the password is wrong.');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/posts?q=nojs');

    await page.getByLabel('Operator').fill(ADMIN);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/posts\?q=nojs$/);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.goto('/channels');
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fchannels$/);
    await context.close();
  });

  test('a wrong password and an unknown operator get the same message', async ({ page }) => {
    await open(page, '/sign-in');
    await page.getByLabel('Operator').fill(ADMIN);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const message = page.getByRole('alert').filter({ hasText: 'wrong' });
    await expect(message).toHaveText('The operator name or the password is wrong.');
    await expect(page).toHaveURL(/\/sign-in$/);
    // The name stays, the password is cleared for another try.
    await expect(page.getByLabel('Operator')).toHaveValue(ADMIN);
    await expect(page.getByLabel('Password')).toHaveValue('');

    await page.getByLabel('Operator').fill('nobody-by-this-name');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(message).toHaveText('The operator name or the password is wrong.');
    await open(page, '/channels');
    await expectSignInPage(page, '/channels');
  });
});

test('an expired session sends the operator to sign in and keeps the post draft', async ({ page }) => {
  const dataDir = path.join(__dirname, '..', '.tmp', 'expiry-data');
  fs.rmSync(dataDir, { recursive: true, force: true });
  // Sessions end after 3 seconds without a request.
  const server = new OwnServer(3104, dataDir, { CONSOLE_SESSION_IDLE_SECS: '3' });
  await server.start();
  try {
    await server.signIn(page);
    await apiChannel(page.request, 'Expiry', server.url);
    await openPosts(page, `${server.url}/posts`);
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Expiry' });
    await page.getByRole('radiogroup', { name: 'Post type' }).getByRole('radio', { name: 'Text Only' }).check();
    await page.getByLabel('Content').fill('Typed before the session ended');

    await page.waitForTimeout(4_000);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expectSignInPage(page, '/posts');

    await page.getByLabel('Operator').fill(ADMIN);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/posts$/);
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
    await expect(page.getByLabel('Content')).toHaveValue('Typed before the session ended');
    await expect(page.getByLabel('Channel', { exact: true })).toHaveValue(/\d+/);
    // Nothing was published while signed out; now it goes through.
    await expect(page.getByRole('list', { name: 'Posts' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByRole('list', { name: 'Posts' }).locator(':scope > li')).toHaveCount(1);
    await expect(page.getByLabel('Content')).toHaveValue('');
  } finally {
    await server.stop();
  }
});

test('operators: add one, who signs in and changes their password, then remove them', async ({ page, browser, baseURL }) => {
  const name = unique('op').replace(/\s/g, '-');
  await open(page, '/operators');
  await expect(page.getByRole('heading', { name: 'Operators', level: 1 })).toBeVisible();
  const form = page.getByRole('form', { name: 'Add operator' });
  await form.getByLabel('Operator name').fill('has space');
  await expect(form.getByText('Operator may contain only letters, digits and . _ - @.')).toBeVisible();
  await form.getByLabel('Operator name').fill(name);
  await form.getByLabel('Initial password').fill('short');
  await expect(form.getByText('Password is 5 characters; it must be at least 12.')).toBeVisible();
  await expect(form.getByRole('button', { name: 'Add operator' })).toBeDisabled();
  await form.getByLabel('Initial password').fill('first password 1');
  await form.getByRole('button', { name: 'Add operator' }).click();
  await expect(form.getByRole('status')).toHaveText(`Operator ${name} added.`);
  const table = page.getByRole('table', { name: 'Operators' });
  await expect(table.getByRole('row', { name: new RegExp(name) })).toBeVisible();
  await expect(table.getByRole('row', { name: /admin \(you\)/ })).toBeVisible();

  // The new operator signs in elsewhere and changes their own password.
  const theirs = await browser.newContext({ baseURL, storageState: SIGNED_OUT });
  const other = await theirs.newPage();
  await signIn(other, '', name, 'first password 1');
  await open(other, '/operators');
  const change = other.getByRole('form', { name: 'Change your password' });
  await change.getByLabel('Current password').fill('first password 1');
  await change.getByLabel('New password', { exact: true }).fill('second password 2');
  await change.getByLabel('Repeat new password').fill('second password 3');
  await expect(change.getByText('the two passwords differ')).toBeVisible();
  await change.getByLabel('Repeat new password').fill('second password 2');
  await change.getByRole('button', { name: 'Change password' }).click();
  await expect(change.getByRole('status')).toContainText('Your password was changed.');
  await other.getByRole('button', { name: 'Sign out' }).click();
  await expectSignInPage(other);
  await other.getByLabel('Operator').fill(name);
  await other.getByLabel('Password').fill('first password 1');
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('alert').filter({ hasText: 'wrong' })).toBeVisible();
  await signIn(other, '', name, 'second password 2');

  // The admin removes them, after confirming; their session ends.
  await open(page, '/operators');
  await page.getByRole('button', { name: `Remove ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove operator?' });
  await expect(dialog).toContainText(name);
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(dialog).toBeHidden();
  await expect(table.getByRole('row', { name: new RegExp(name) })).toHaveCount(0);
  await other.goto('/channels');
  await expectSignInPage(other, '/channels');
  await theirs.close();
});

test('the audit log shows who did what, newest first', async ({ page }) => {
  const name = unique('Audited');
  await open(page, '/channels');
  await createChannel(page, { name });
  await open(page, '/audit');
  await expect(page.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
  const rows = page.getByRole('table', { name: 'Audit log' }).getByRole('row');
  // Row 0 is the header; row 1 the newest entry.
  await expect(rows.nth(1)).toContainText('Created channel');
  await expect(rows.nth(1)).toContainText(name);
  await expect(rows.nth(1)).toContainText(ADMIN);
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('Signed in');
});
