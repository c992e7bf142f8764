import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ADMIN_PASSWORD, ADMIN_STATE } from '../accounts';
import { RED, apiChannel, channelRow, hydrated, open, unique } from './helpers';

// A browser whose operator reads Korean first: its Accept-Language is ko-KR.
test.use({ locale: 'ko-KR' });

/**
 * Follows the top bar's link to the other language and waits for the page it loads (the
 * same address, so the new `<html lang>` is what tells the pages apart).
 */
async function switchTo(page: Page, language: 'English' | '한국어', lang: 'en' | 'ko') {
  await page.getByRole('navigation', { name: lang === 'en' ? '언어' : 'Language' }).getByRole('link', { name: language }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await hydrated(page);
}

test('a Korean browser gets the console in Korean, signed out and in, with Korean messages and dates', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'ko-KR', storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await open(page, '/sign-in?next=%2Fchannels%3Fpage%3D1');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  await expect(page.getByRole('heading', { name: '채널 콘솔 로그인' })).toBeVisible();
  await expect(page).toHaveTitle('채널 콘솔');
  // The switch is there before signing in, and comes back to the same address.
  await switchTo(page, 'English', 'en');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fchannels%3Fpage%3D1$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Channel Console' })).toBeVisible();
  await expect(page).toHaveTitle('Channel Console');
  await switchTo(page, '한국어', 'ko');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fchannels%3Fpage%3D1$/);
  await expect(page.getByRole('heading', { name: '채널 콘솔 로그인' })).toBeVisible();

  // A refusal, worded in Korean.
  await page.getByLabel('운영자').fill(ADMIN);
  await page.getByLabel('비밀번호').fill('not the password');
  await page.getByRole('button', { name: '로그인' }).click();
  await expect(page.getByRole('alert')).toHaveText('운영자 이름 또는 비밀번호가 올바르지 않습니다.');
  await page.getByLabel('비밀번호').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: '로그인' }).click();
  await expect(page.getByRole('button', { name: '로그아웃' })).toBeVisible();
  await expect(page).toHaveURL(/\/channels\?page=1$/);
  await expect(page.getByRole('heading', { name: '채널', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: '주 메뉴' });
  for (const link of ['채널', '게시물', '운영자', '감사 로그', '설정']) {
    await expect(nav.getByRole('link', { name: link, exact: true })).toBeVisible();
  }

  // Checked as typed, in Korean, with the limit in bytes.
  await page.getByRole('button', { name: '채널 만들기' }).click();
  const dialog = page.getByRole('dialog', { name: '채널 만들기' });
  const nameField = dialog.getByLabel('이름', { exact: true });
  await nameField.fill('가'.repeat(60));
  await expect(nameField).toHaveAccessibleDescription('이름: 180바이트로, 한도 150바이트를 넘었습니다.');
  await expect(dialog.getByRole('button', { name: '만들기', exact: true })).toBeDisabled();
  const name = unique('서울 항만');
  await nameField.fill(name);
  await expect(nameField).toHaveAccessibleDescription(`${new TextEncoder().encode(name).length} / 150바이트`);
  await dialog.getByLabel('프로필 사진').setInputFiles(RED);
  await expect(dialog.getByText(/^업로드됨 \(png/)).toBeVisible();
  await dialog.getByRole('button', { name: '만들기', exact: true }).click();
  await expect(dialog).toBeHidden();
  const row = channelRow(page, name);
  await expect(row).toContainText(/생성일 \d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2} UTC/);
  await expect(row.getByRole('button', { name: '편집' })).toBeVisible();

  // The composer and the list, in Korean.
  await open(page, '/posts');
  await expect(page.getByRole('button', { name: '발행' })).toBeVisible();
  await page.getByLabel('채널', { exact: true }).selectOption({ label: name });
  await page.getByRole('radio', { name: '텍스트만' }).check();
  await page.getByLabel('내용').fill('부산항 입항 안내');
  await expect(page.getByRole('region', { name: '미리 보기' })).toContainText('아직 발행되지 않음');
  await page.getByRole('button', { name: '발행' }).click();
  const posted = page.getByRole('list', { name: '게시물' }).locator(':scope > li').first();
  await expect(posted).toContainText('부산항 입항 안내');
  await expect(posted).toContainText('텍스트만');
  await expect(posted.getByRole('button', { name: '회수' })).toBeVisible();

  await page.screenshot({ path: 'test-results/ko-desktop-posts.png', fullPage: true });
  // axe: a Korean page is as accessible as an English one (its lang attribute included).
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
  await context.close();
});

test('the top bar switches the language, keeps the draft, and the choice outlives the browser’s', async ({
  page,
  request,
}) => {
  const channel = unique('Switch');
  await apiChannel(request, channel);
  await open(page, '/posts?q=draft');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  await page.getByLabel('채널', { exact: true }).selectOption({ label: channel });
  await page.getByRole('radio', { name: '텍스트만' }).check();
  await page.getByLabel('내용').fill('바꿔도 남는 초안 draft');

  // The other language, named in itself.
  await switchTo(page, 'English', 'en');
  await expect(page).toHaveURL(/\/posts\?q=draft$/);
  await expect(page.getByRole('heading', { name: 'Posts', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeVisible();
  // Nothing typed was lost on the way.
  await expect(page.getByLabel('Content')).toHaveValue('바꿔도 남는 초안 draft');
  await expect(page.getByRole('radio', { name: 'Text Only' })).toBeChecked();

  // Remembered: the browser still asks for Korean, the console stays English.
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === 'console_lang')?.value).toBe('en');
  await open(page, '/channels');
  await expect(page.getByRole('button', { name: 'Create channel' })).toBeVisible();
  await expect(channelRow(page, channel)).toContainText(/Created \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

  // And back.
  await switchTo(page, '한국어', 'ko');
  await expect(page.getByRole('button', { name: '채널 만들기' })).toBeVisible();
});

test('in Korean on a phone, no page scrolls sideways and the switch stays in reach', async ({ browser }) => {
  const context = await browser.newContext({
    locale: 'ko-KR',
    viewport: { width: 390, height: 844 },
    storageState: ADMIN_STATE,
  });
  const page = await context.newPage();
  for (const path of ['/channels', '/posts', '/operators', '/audit', '/settings', '/webhooks']) {
    await open(page, path);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const switcher = page.getByRole('navigation', { name: '언어' }).getByRole('link', { name: 'English' });
    await expect(switcher).toBeVisible();
    expect((await switcher.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    const menu = page.getByRole('button', { name: '메뉴' });
    await menu.click();
    await expect(page.getByRole('navigation', { name: '주 메뉴' })).toBeVisible();
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `test-results/ko-phone${path.replace('/', '-')}.png`, fullPage: true });
  }
  await context.close();
});
