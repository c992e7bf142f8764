import { test as setup, expect } from '@playwright/test';
import { ADMIN, ADMIN_PASSWORD, ADMIN_STATE } from '../accounts';

// Signs in once through the real sign-in page; the tests start from this browser state.
setup('sign in as the admin', async ({ page }) => {
  await page.goto('/channels');
  await expect(page).toHaveURL(/\/sign-in\?next=(%2F|\/)channels$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Operator').fill(ADMIN);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/channels$/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.context().storageState({ path: ADMIN_STATE });
});
