import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { RED, channelRow, newKey, open, postItems, unique } from './helpers';

// The vendor's own UserSig generator, from the npm registry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TLSSigAPIv2 = require('tls-sig-api-v2');

const ADMIN_ID = 'script_admin';

class Script {
  constructor(
    readonly http: APIRequestContext,
    readonly appid: number,
    readonly key: string,
  ) {}

  async call(command: string, body: object, identifier = ADMIN_ID, key = this.key): Promise<Record<string, unknown>> {
    const sig = new TLSSigAPIv2.Api(this.appid, key).genUserSig(identifier, 600);
    const query = `sdkappid=${this.appid}&identifier=${identifier}&usersig=${sig}&random=${Math.floor(Math.random() * 2 ** 32)}&contenttype=json`;
    const response = await this.http.post(`/v4/official_account_open_http_svc/${command}?${query}`, { data: body });
    expect(response.status()).toBe(200);
    return response.json();
  }
}

test('settings: an operator makes the API key, adds an administrator, and a script posts through the API', async ({ page, baseURL }) => {
  const { appid, key } = await newKey(page);
  await expect(page.getByText('Copy it now: it is not shown again.')).toBeVisible();

  const identifier = page.getByLabel('Administrator identifier');
  await identifier.fill('bad id');
  await expect(page.getByText('Administrator identifier may contain only letters a-z and A-Z, digits, _ and -.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add administrator' })).toBeDisabled();
  await identifier.fill(ADMIN_ID);
  await page.getByRole('button', { name: 'Add administrator' }).click();
  await expect(page.getByRole('list', { name: 'Administrators' })).toContainText(ADMIN_ID);
  // Reloaded, the key is no longer shown; only its last characters are.
  await open(page, '/settings');
  await expect(page.getByLabel('New secret key')).toHaveCount(0);
  await expect(page.getByText(`ends in …${key.slice(-4)}`)).toBeVisible();

  // A script with no session, only the application id, the key and an administrator.
  const http = await playwrightRequest.newContext({ baseURL });
  const script = new Script(http, appid, key);
  const name = unique('API channel');
  const created = await script.call('create_official_account', { Owner_Account: 'owner', Name: name, Introduction: 'Made by a script' });
  expect(created).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
  const account = created.OfficialAccountUserID as string;
  expect(account).toMatch(/^@TOA#_/);

  // No photo: the console shows a placeholder until an operator sets one.
  await open(page, '/channels');
  const row = channelRow(page, name);
  await expect(row.getByText('Made by a script')).toBeVisible();
  await expect(row.locator('.avatar.placeholder')).toBeVisible();

  const text = `Sent through the API ${unique('msg').replace(/\s/g, '')}`;
  const sent = await script.call('send_official_account_msg', {
    Official_Account: account,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
  });
  expect(sent).toMatchObject({ ActionStatus: 'OK' });

  await open(page, '/posts');
  const item = postItems(page).filter({ hasText: text });
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(name);
  await expect(item).toContainText('Text Only');

  // Recalled through the API: gone from the list and from search.
  const recalled = await script.call('official_account_msg_recall', { Official_Account: account, MsgKeyList: [sent.MsgKey] });
  expect(recalled).toMatchObject({ ActionStatus: 'OK', RecallRetList: [{ MsgKey: sent.MsgKey, RetCode: 0 }] });
  await open(page, '/posts');
  await expect(postItems(page).filter({ hasText: text })).toHaveCount(0);
  await open(page, `/posts?q=${encodeURIComponent(text.split(' ').pop()!)}`);
  await expect(page.getByText('No posts match this search.')).toBeVisible();

  // An operator sets the missing photo in the console.
  await open(page, '/channels');
  await channelRow(page, name).getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit channel' });
  await edit.getByLabel('Profile photo').setInputFiles(RED);
  await expect(edit.getByText(/^Uploaded \(png/)).toBeVisible();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(channelRow(page, name).locator('img.avatar')).toBeVisible();
  const info = await script.call('get_official_account_info', { OfficialAccountIdList: [{ Official_Account: account }] });
  expect((info.OfficialAccountInfoList as { FaceUrl: string }[])[0].FaceUrl).toMatch(new RegExp(`^${baseURL}/media/[0-9a-f]{64}$`));

  // The audit log names the script's administrator.
  await open(page, '/audit');
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText(`api:${ADMIN_ID}`);

  // Rotating the key retires signatures made with the old one.
  const { key: rotated } = await newKey(page);
  expect(rotated).not.toBe(key);
  await expect(page.getByText('UserSigs made with the previous key no longer work.')).toBeVisible();
  const refused = await script.call('get_official_account_info', { OfficialAccountIdList: [{ Official_Account: account }] });
  expect(refused).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70009 });
  const accepted = await new Script(http, appid, rotated).call('get_official_account_info', {
    OfficialAccountIdList: [{ Official_Account: account }],
  });
  expect(accepted).toMatchObject({ ActionStatus: 'OK', OfficialAccountInfoList: [{ Name: name }] });
  await http.dispose();
});

test('a FaceUrl set through the API is the channel photo in the console', async ({ page, request, baseURL }) => {
  const upload = await request.post('/media', { data: RED.buffer });
  const photo = (await upload.json()).id as string;
  const { appid, key } = await newKey(page);
  const http = await playwrightRequest.newContext({ baseURL });
  const script = new Script(http, appid, key);
  // The administrator from the test before may be gone if it ran alone: add it again.
  await open(page, '/settings');
  if (!(await page.getByRole('list', { name: 'Administrators' }).getByText(ADMIN_ID).isVisible().catch(() => false))) {
    await page.getByLabel('Administrator identifier').fill(ADMIN_ID);
    await page.getByRole('button', { name: 'Add administrator' }).click();
    await expect(page.getByRole('list', { name: 'Administrators' })).toContainText(ADMIN_ID);
  }
  const name = unique('Face');
  const faceUrl = `${baseURL}/media/${photo}`;
  const created = await script.call('create_official_account', { Owner_Account: 'owner', Name: name, FaceUrl: faceUrl });
  expect(created).toMatchObject({ ActionStatus: 'OK' });
  await open(page, '/channels');
  const avatar = channelRow(page, name).locator('img.avatar');
  await expect(avatar).toHaveAttribute('src', faceUrl);
  await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await http.dispose();
});

test('subscribers: an operator follows a channel\'s subscribers, searches them and removes one', async ({ page, baseURL }) => {
  const { appid, key } = await newKey(page);
  const admins = page.getByRole('list', { name: 'Administrators' });
  if (!(await admins.isVisible()) || !(await admins.innerText()).includes(ADMIN_ID)) {
    await page.getByLabel('Administrator identifier').fill(ADMIN_ID);
    await page.getByRole('button', { name: 'Add administrator' }).click();
    await expect(page.getByRole('list', { name: 'Administrators' })).toContainText(ADMIN_ID);
  }
  const script = new Script(await playwrightRequest.newContext({ baseURL }), appid, key);
  const name = unique('Followed');
  const created = await script.call('create_official_account', { Owner_Account: 'owner', Name: name, MaxSubscriberNum: 60 });
  const account = created.OfficialAccountUserID as string;
  const users = Array.from({ length: 55 }, (_, i) => ({ Subscriber_Account: `u${String(i).padStart(2, '0')}` }));
  expect(await script.call('add_subscriber', { Official_Account: account, SubscriberList: users })).toMatchObject({ ErrorCode: 0 });

  // The list shows the count, the posts and the last post, and links to the subscribers.
  await open(page, '/channels');
  const row = channelRow(page, name);
  await expect(row).toContainText('55 subscribers (of at most 60)');
  await expect(row).toContainText('no posts yet');
  await row.getByRole('link', { name: `Subscribers of ${name}` }).click();
  await expect(page.getByRole('heading', { name: `Subscribers of ${name}`, level: 1 })).toBeVisible();
  await expect(page.getByText('55 subscribers (of at most 60)')).toBeVisible();
  // The growth chart says its numbers in words.
  await expect(page.getByRole('img', { name: /^Subscribers per day over the last 30 days: 0 on .*, 55 on .*; at most 55\.$/ })).toBeVisible();

  // Newest first, 50 a page.
  const list = page.getByRole('list', { name: 'Subscribers' });
  await expect(list.getByRole('listitem')).toHaveCount(50);
  await expect(list.getByRole('listitem').first()).toContainText('u54');
  await page.getByRole('button', { name: 'Older subscribers' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(5);
  await expect(list.getByRole('listitem').last()).toContainText('u00');

  // Search by the start of an id.
  await page.getByLabel('Id starts with').fill('u1');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(list.getByRole('listitem')).toHaveCount(10);
  await expect(list.getByRole('listitem').first()).toContainText('u19');

  // Removed after a confirmation: gone, and counted.
  await page.getByRole('button', { name: 'Remove u15' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove u15?' });
  await expect(dialog).toContainText(name);
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(dialog).toBeHidden();
  await expect(list.getByRole('listitem')).toHaveCount(9);
  await expect(page.getByText('54 subscribers (of at most 60)')).toBeVisible();
  const info = await script.call('get_subscriber_info', { Official_Account: account, Limit: 200 });
  expect(info.SubscriberNum).toBe(54);
});
