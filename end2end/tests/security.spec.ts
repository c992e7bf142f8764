import { expect, test } from '@playwright/test';
import { RED, apiChannel, open, postItems, unique } from './helpers';

// Script-injection payloads: each would run script if any of the console's pages put user
// text into the page as HTML. Every one must show up as the literal text it is.
const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '"><svg onload="window.__xss=3">',
  "'><body onload=window.__xss=4>",
  '<iframe src="javascript:parent.__xss=5"></iframe>',
  '<a href="javascript:window.__xss=6">click</a>',
  'javascript:window.__xss=7',
  '<svg><script>window.__xss=8</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=9>',
  '<details open ontoggle="window.__xss=10">',
  '<input autofocus onfocus="window.__xss=11">',
  '<video><source onerror="window.__xss=12"></video>',
  '<object data="javascript:window.__xss=13"></object>',
  '<embed src="javascript:window.__xss=14">',
  '<style>@import "javascript:window.__xss=15";</style>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=16">',
  '<base href="javascript:window.__xss=17//">',
  '{{constructor.constructor("window.__xss=18")()}}',
  '${window.__xss=19}',
  '<scr<script>ipt>window.__xss=20</scr</script>ipt>',
  '&lt;script&gt;window.__xss=21&lt;/script&gt;',
  '<marquee onstart="window.__xss=22">',
  '<form><button formaction="javascript:window.__xss=23">x</button></form>',
  '<!--<img src="--><img src=x onerror=window.__xss=24//">',
];

test('script-injection payloads in names, profiles, post text and link labels render as inert text', async ({ page, request }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const tag = unique('xss').replace(/\s/g, '');
  let channelId = 0;
  for (const [i, payload] of PAYLOADS.entries()) {
    const name = `${payload} ${tag}${i}`.slice(0, 150);
    const upload = await request.post('/media', { data: RED.buffer });
    const photo = (await upload.json()).id;
    const created = await request.post('/api/create_channel', { form: { name, profile: `profile ${payload}`, photo } });
    expect(created.status(), payload).toBe(200);
    channelId = (await created.json()).id;
  }
  for (const [i, payload] of PAYLOADS.entries()) {
    const published = await request.post('/api/publish_post', {
      data: {
        draft: {
          channel_id: channelId,
          kind: 'TextOnly',
          text: `${payload} ${tag}`,
          images: [],
          links: [{ label: payload.slice(0, 100), url: 'https://example.com/' }],
        },
        request_id: `${tag}-${i}`,
      },
    });
    expect(published.status(), payload).toBe(200);
  }

  await open(page, '/channels');
  await expect(page.getByRole('heading', { name: `${PAYLOADS[0]} ${tag}0` })).toBeVisible();
  await expect(page.getByText(`profile ${PAYLOADS[1]}`)).toBeVisible();

  await open(page, `/posts?q=${tag}`);
  await expect(postItems(page)).toHaveCount(20);
  await expect(page.getByText(`${PAYLOADS[23]} ${tag}`, { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(postItems(page)).toHaveCount(PAYLOADS.length);
  for (const payload of PAYLOADS.slice(0, 4)) {
    await expect(page.getByRole('link', { name: payload.slice(0, 100), exact: true }).first()).toHaveAttribute('href', 'https://example.com/');
  }
  // Hover and focus everything once, in case a payload hid in an event attribute.
  await page.mouse.move(200, 400);
  await page.keyboard.press('Tab');
  await page.waitForTimeout(300);

  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});

test('a form on another site cannot change anything here', async ({ page, request, baseURL }) => {
  const name = unique('Protected');
  const id = await apiChannel(request, name);
  // A page that is not the console (its origin is opaque, "null") posts a form here.
  await page.setContent(`
    <form id="attack" method="post" action="${baseURL}/api/delete_channel">
      <input name="id" value="${id}">
    </form>`);
  const response = page.waitForResponse((r) => r.url().endsWith('/api/delete_channel'));
  await page.evaluate(() => (document.getElementById('attack') as HTMLFormElement).submit());
  expect((await response).status()).toBe(403);
  await page.waitForURL(/\/api\/delete_channel$/);
  await expect(page.locator('body')).toContainText('Requests from other sites are refused.');

  const forged = await request.post('/api/delete_channel', {
    form: { id: String(id) },
    headers: { Origin: 'http://evil.example' },
  });
  expect(forged.status()).toBe(403);

  await open(page, '/channels');
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
});
