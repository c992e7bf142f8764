import { expect, test, type Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { open } from './helpers';

/** An app backend's webhook receiver on 127.0.0.1 (the test server allows private URLs). */
class Receiver {
  hits: { query: URLSearchParams; headers: http.IncomingHttpHeaders; body: string }[] = [];
  status = 200;
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      this.hits.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, headers: req.headers, body });
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  stop(): void {
    this.server.close();
  }

  commands(): string[] {
    return this.hits.map((h) => h.query.get('CallbackCommand') ?? '');
  }
}

async function deliveries(page: Page) {
  const section = page.getByRole('region', { name: 'Deliveries' });
  await section.getByRole('button', { name: 'Refresh' }).click();
  return section;
}

test('an operator points webhooks at the app, tests them and redelivers a failure', async ({ page }) => {
  const receiver = new Receiver();
  const url = await receiver.start();
  try {
    await open(page, '/channels');
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();

    // A bad address is refused as typed, naming the field.
    const urlField = page.getByLabel('Webhook URL');
    await urlField.fill('ftp://example.com/hooks');
    await expect(page.getByText('Webhook URL must start with http:// or https://.')).toBeVisible();
    await urlField.fill(url);
    await page.getByLabel('Token').fill('s3cr3t-token');
    await page.getByLabel(/OfficialAccount\.CallbackAfterCreateOfficialAccount/).check();
    await page.getByLabel(/OfficialAccount\.CallbackAfterSendMsg/).check();
    const firstSave = await page.getByText('None yet: one is made when a URL is first saved.').isVisible();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Webhook settings saved.')).toBeVisible();
    // The signing secret is shown once, when first made (or made again on request).
    if (!firstSave) await page.getByRole('button', { name: 'Make a new signing secret' }).click();
    await expect(page.getByLabel('New signing secret')).toHaveValue(/^whsec_[A-Za-z0-9+/=]{40,}$/);

    // After a reload the settings are what was saved (and the secret only as a hint).
    await page.reload();
    await expect(page.getByLabel('Webhook URL')).toHaveValue(url);
    await expect(page.getByLabel(/CallbackAfterSendMsg/)).toBeChecked();
    await expect(page.getByLabel(/CallbackBeforeSendMsg/)).not.toBeChecked();
    await expect(page.getByLabel('Allow the change (as if the app agreed)')).toBeChecked();
    await expect(page.getByText(/^Ends in …/)).toBeVisible();
    await expect(page.getByLabel('New signing secret')).toHaveCount(0);

    // A test event reaches the receiver, signed both ways, and is logged as delivered.
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => receiver.commands()).toContain('OfficialAccount.CallbackTest');
    const hit = receiver.hits[0];
    expect(hit.query.get('OptPlatform')).toBe('Web');
    expect(hit.query.get('Sign')).toMatch(/^[0-9a-f]{64}$/);
    expect(hit.headers['webhook-signature']).toMatch(/^v1,/);
    await expect(async () => {
      const log = await deliveries(page);
      await expect(log.getByRole('row').filter({ hasText: 'Test event' }).first()).toContainText('Delivered', { timeout: 1000 });
    }).toPass();

    // The app is down: the delivery fails, is listed among failures and can be redelivered.
    receiver.status = 500;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => receiver.hits.length).toBe(2);
    await page.getByLabel('Only failures').check();
    const redeliver = page.getByRole('button', { name: /^Redeliver event \d+$/ });
    await expect(async () => {
      await deliveries(page);
      await expect(redeliver).toHaveCount(1, { timeout: 1000 });
    }).toPass();
    await expect(page.getByRole('region', { name: 'Deliveries' }).getByRole('row').nth(1)).toContainText('HTTP 500');
    receiver.status = 200;
    await redeliver.click();
    await expect(page.getByText('The event will be delivered again now.')).toBeVisible();
    await expect.poll(() => receiver.hits.length).toBe(3);
    await expect(async () => {
      await deliveries(page);
      await expect(redeliver).toHaveCount(0, { timeout: 1000 });
    }).toPass();
    // Every attempt of one event carried the same webhook-id.
    expect(receiver.hits[2].headers['webhook-id']).toBe(receiver.hits[1].headers['webhook-id']);

    // Switched off: no URL, nothing sent.
    await page.getByLabel('Webhook URL').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Webhook settings saved.').first()).toBeVisible();
  } finally {
    receiver.stop();
  }
});
