import { expect, test } from '@playwright/test';
import http from 'node:http';
import { once } from 'node:events';
import { newKey, openPosts, png, postItems, unique } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const TLSSigAPIv2 = require('tls-sig-api-v2');

/** The browser example of docs/subscriber-api.md, on the app's own origin. */
function appPage(consoleBase: string, appid: number, sig: string, account: string): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>Harbour news</title>
<ul id="posts" aria-label="Live posts"></ul>
<script>
  const auth = "sdkappid=${appid}&identifier=ann&usersig=" + encodeURIComponent(${JSON.stringify(sig)});
  const base = ${JSON.stringify(consoleBase)} + "/subscriber/v1/";
  const list = document.getElementById("posts");
  fetch(base + "subscribe?" + auth, { method: "POST", body: JSON.stringify({ Official_Account: ${JSON.stringify(account)} }) })
    .then(() => {
      const events = new EventSource(base + "events?" + auth);
      events.addEventListener("open", () => document.title = "connected");
      events.addEventListener("message", (e) => {
        const post = JSON.parse(e.data), item = document.createElement("li");
        item.id = post.MsgKey;
        item.textContent = post.MsgBody.filter((el) => el.MsgType === "TIMTextElem").map((el) => el.MsgContent.Text).join("\\n");
        list.prepend(item);
      });
      events.addEventListener("recall", (e) => document.getElementById(JSON.parse(e.data).MsgKey)?.remove());
    });
</script>`;
}

test("subscribers: an app's web page on another origin receives an operator's post live, and its recall", async ({ page, context, request, baseURL }) => {
  const { appid, key } = await newKey(page);
  const name = unique('Live channel');
  const upload = await request.post('/media', { data: png(32, 32, [20, 120, 90]) });
  expect(upload.status()).toBe(201);
  const photo = (await upload.json()).id;
  const made = await request.post('/api/create_channel', { form: { name, profile: 'For the app', photo } });
  expect(made.status()).toBe(200);
  const account = (await made.json()).account_id as string;
  expect(account).toMatch(/^@TOA#_/);

  // The app's page, served from its own origin (another port), subscribes and opens a stream.
  const sig = new TLSSigAPIv2.Api(appid, key).genUserSig('ann', 600);
  const html = appPage(baseURL!, appid, sig, account);
  const appServer = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  appServer.listen(0, '127.0.0.1');
  await once(appServer, 'listening');
  const app = await context.newPage();
  await app.goto(`http://127.0.0.1:${(appServer.address() as { port: number }).port}/`);
  await expect(app).toHaveTitle('connected');
  const live = app.getByRole('list', { name: 'Live posts' });
  await expect(live.getByRole('listitem')).toHaveCount(0);

  // The operator publishes; the page shows it without reloading. Markup stays text.
  const text = `Ferries <b>leave</b> at dawn ${unique('x').replace(/\s/g, '')}`;
  await openPosts(page);
  await page.getByLabel('Channel', { exact: true }).selectOption({ label: name });
  await page.getByRole('radiogroup', { name: 'Post type' }).getByRole('radio', { name: 'Text Only' }).check();
  await page.getByLabel('Content').fill(text);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(live.getByRole('listitem')).toHaveText([text]);
  await expect(live.locator('b')).toHaveCount(0);

  // Recalled in the console: gone from the page.
  const post = postItems(page).filter({ hasText: text });
  await post.getByRole('button', { name: 'Recall' }).click();
  await page.getByRole('dialog', { name: 'Recall post?' }).getByRole('button', { name: 'Recall' }).click();
  await expect(live.getByRole('listitem')).toHaveCount(0);
  appServer.close();
});
