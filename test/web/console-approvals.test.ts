/**
 * The console's Approvals, Usage and Dashboard screens in headless Chromium against a real `hearth`
 * process: a tool-calling fake model asks for the sensitive `lamp_on` tool from the web chat; an
 * operator sees the waiting request in words and approves it in the console, the tool runs and the
 * chat gets its answer, and the audit log holds the decision; a denial keeps the tool from running;
 * a viewer sees the list with Approve disabled and the reason, and the API refuses it (403). The
 * Usage screen shows tokens and USD per user and agent and what remains of each configured budget,
 * the same figures as `GET /admin/usage`; the Dashboard draws messages per channel and day and
 * cost per user from `GET /admin/stats`. Screenshots: test-artifacts/console-approvals*.png,
 * console-usage.png, console-dashboard-charts.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { callLampOnRequest, lampRuns, lampSkillDir } from '../approvals/lamp-skill.js';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';
import { WebChatSocket } from '../webchat-client.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const TOKENS_PER_DAY = 100_000;
const AGENT_USD_PER_DAY = 5;

interface PendingApproval {
  id: string;
  tool: string;
  userId: string;
  conversationId: string;
}

describe('console approvals, usage and dashboard charts', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  let operator: string;
  let viewer: string;
  const pageErrors: string[] = [];

  const api = (path: string, init: RequestInit = {}, token = h.token) =>
    fetch(h.baseUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
  const issue = async (role: string) => {
    const res = await api('/admin/tokens', { method: 'POST', body: JSON.stringify({ name: `console ${role}`, role }) });
    assert.equal(res.status, 201);
    return ((await res.json()) as { token: string }).token;
  };
  const pending = async () =>
    ((await (await api('/admin/approvals')).json()) as { approvals: PendingApproval[] }).approvals;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startOpenAIFake();
    callLampOnRequest(model);
    h = await startHearth({
      // gpt-4o-mini has a price in the built-in table: costs are known.
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'gpt-4o-mini' },
      config: [
        'skills:',
        `  dir: ${JSON.stringify(lampSkillDir())}`,
        'agents:',
        '  default:',
        '    skills: ["*"]',
        'budgets:',
        '  user:',
        `    tokensPerDay: ${TOKENS_PER_DAY}`,
        '  agent:',
        '    default:',
        `      usdPerDay: ${AGENT_USD_PER_DAY}`,
        '',
      ].join('\n'),
      timeoutMs: 60_000,
    });
    operator = await issue('operator');
    viewer = await issue('viewer');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  async function signedIn(token: string, screen: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(h.baseUrl + '/console');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByTestId('who').waitFor();
    await page.getByRole('navigation').getByRole('button', { name: screen, exact: true }).click();
    await page.locator(`#screen[data-screen="${screen}"]`).waitFor();
    return page;
  }

  /** Asks for the lamp in `room` over a web chat kept open; resolves once the question is in the chat. */
  async function askForLamp(room: string) {
    const { socket } = await WebChatSocket.open(h.baseUrl);
    socket.send({ type: 'message', text: `please switch the lamp in the ${room} on` });
    const question = await socket.next((f) => f.type === 'done');
    assert.match(String(question.text), /lamp_on/);
    return socket;
  }

  it('an operator approves a waiting call in the console: the tool runs, the chat gets the answer, the audit log has it', async () => {
    const socket = await askForLamp('kitchen');
    try {
      assert.equal(lampRuns(h.logs), 0, 'nothing ran before the approval');
      const [waiting] = await pending();
      assert.ok(waiting);
      const page = await signedIn(operator, 'Approvals');
      const row = page.locator(`tr[data-approval="${waiting.id}"]`);
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /lamp_on/);
      assert.equal(await row.locator('td.args').textContent(), 'room: "kitchen"');
      await row.getByRole('cell', { name: waiting.userId, exact: true }).waitFor();
      await row.getByText(waiting.conversationId).waitFor();
      await row.getByText(/in (29|30) min/).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'console-approvals.png'), fullPage: true });

      // Keyboard: Tab from the top of the page reaches the Approve button, and Enter presses it.
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await page.locator(':focus').getAttribute('aria-label'))?.startsWith('Approve lamp_on') ?? false;
      }
      assert.ok(reached, 'the Approve button is reachable with Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'Approve lamp_on: done' }).waitFor();
      await page.getByTestId('no-approvals').waitFor();

      const answer = await socket.next((f) => f.type === 'done');
      assert.equal(answer.text, 'Tool said: lamp in the kitchen is on');
      assert.equal(lampRuns(h.logs), 1);
      assert.deepEqual(await pending(), []);

      // The decision is in the audit log, by the operator's token, and the Audit screen shows it.
      const audit = (await (await api('/admin/audit?action=approval.approve')).json()) as {
        rows: Array<{ action: string; actor: string; target: string }>;
      };
      assert.equal(audit.rows.length, 1);
      assert.equal(audit.rows[0]!.target, 'lamp_on');
      assert.match(audit.rows[0]!.actor, /^token:/);
      await page.getByRole('navigation').getByRole('button', { name: 'Audit', exact: true }).click();
      await page.getByLabel('Action').fill('approval');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('cell', { name: 'approval.approve', exact: true }).waitFor();
      await page.getByRole('cell', { name: 'approval.request', exact: true }).first().waitFor();
      await page.close();
    } finally {
      socket.close();
    }
    assert.deepEqual(pageErrors, []);
  });

  it('a denial in the console keeps the tool from running', async () => {
    const socket = await askForLamp('cellar');
    try {
      const [waiting] = await pending();
      const page = await signedIn(operator, 'Approvals');
      const row = page.locator(`tr[data-approval="${waiting!.id}"]`);
      await row.getByRole('button', { name: 'Deny lamp_on', exact: false }).click();
      await page.getByRole('status').filter({ hasText: 'Deny lamp_on: done' }).waitFor();
      const answer = await socket.next((f) => f.type === 'done');
      assert.match(String(answer.text), /did not run lamp_on/);
      assert.equal(lampRuns(h.logs), 1, 'only the approved call ran');
      await page.close();
    } finally {
      socket.close();
    }
    assert.deepEqual(pageErrors, []);
  });

  it('a viewer sees the waiting call but cannot approve it: the button says why, the API refuses', async () => {
    const socket = await askForLamp('garden');
    try {
      const [waiting] = await pending();
      const page = await signedIn(viewer, 'Approvals');
      const row = page.locator(`tr[data-approval="${waiting!.id}"]`);
      await row.waitFor();
      for (const name of ['Approve lamp_on', 'Deny lamp_on']) {
        const button = row.getByRole('button', { name, exact: false });
        assert.equal(await button.isDisabled(), true, `${name} is disabled for a viewer`);
        assert.match((await button.getAttribute('title')) ?? '', /Needs the operator role \(you are viewer\)/);
      }
      await row.getByText('Needs the operator role (you are viewer)').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'console-approvals-viewer.png'), fullPage: true });
      // At phone width the page does not scroll sideways: the table scrolls inside its frame.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(ARTIFACTS, 'console-approvals-phone.png'), fullPage: true });
      const { scrollWidth, clientWidth } = await page.evaluate<{ scrollWidth: number; clientWidth: number }>(
        '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
      );
      assert.ok(scrollWidth <= clientWidth, `page ${scrollWidth}px wide in a ${clientWidth}px window`);
      await page.close();

      const refused = await api(`/admin/approvals/${waiting!.id}/approve`, { method: 'POST' }, viewer);
      assert.equal(refused.status, 403);
      assert.equal((await pending()).length, 1, 'still waiting');
      assert.equal(lampRuns(h.logs), 1);
    } finally {
      socket.close();
    }
    assert.deepEqual(pageErrors, []);
  });

  it('the Usage screen shows tokens and USD per user and agent and what remains of each budget', async () => {
    const usage = (await (await api('/admin/usage?days=7')).json()) as {
      days: Array<{ userId: string; agent: string; promptTokens: number; completionTokens: number; costUsd: number }>;
      budgets: Array<{ budget: string; userId?: string; agent?: string; used: number; remaining: number }>;
    };
    const users = [...new Set(usage.days.map((d) => d.userId))];
    assert.equal(users.length, 3, 'three web chat users asked for the lamp');
    const page = await signedIn(viewer, 'Usage');
    for (const user of users) {
      const mine = usage.days.filter((d) => d.userId === user);
      const tokens = mine.reduce((s, d) => s + d.promptTokens + d.completionTokens, 0);
      const cost = mine.reduce((s, d) => s + d.costUsd, 0);
      assert.ok(tokens > 0 && cost > 0);
      const row = page.getByRole('table', { name: 'Usage per user' }).locator(`tr[data-subject="${user}"]`);
      assert.equal(await row.locator('td.total-tokens').textContent(), tokens.toLocaleString('en-US'));
      const shown = Number(((await row.locator('td.usd').textContent()) ?? '').replace(/^\$/, ''));
      assert.ok(Math.abs(shown - cost) <= 5e-7, `USD shown ${shown}, recorded ${cost}`);

      const budget = page.locator(`tr[data-budget="budgets.user.tokensPerDay"][data-for="user ${user}"]`);
      const state = usage.budgets.find((b) => b.budget === 'budgets.user.tokensPerDay' && b.userId === user)!;
      assert.equal(state.remaining, TOKENS_PER_DAY - state.used);
      assert.equal(
        await budget.locator('td.remaining').textContent(),
        `${state.remaining.toLocaleString('en-US')} tokens`,
      );
    }
    const agentRow = page.getByRole('table', { name: 'Usage per agent' }).locator('tr[data-subject="default"]');
    const all = usage.days.reduce((s, d) => s + d.promptTokens + d.completionTokens, 0);
    assert.equal(await agentRow.locator('td.total-tokens').textContent(), all.toLocaleString('en-US'));
    const agentBudget = page.locator('tr[data-budget="budgets.agent.default.usdPerDay"][data-for="agent default"]');
    const agentState = usage.budgets.find((b) => b.budget === 'budgets.agent.default.usdPerDay')!;
    assert.ok(agentState.used > 0 && agentState.remaining < AGENT_USD_PER_DAY);
    await agentBudget.locator('td.remaining').filter({ hasText: /^\$\d/ }).waitFor();
    await page.getByRole('img', { name: /^Tokens per user:/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-usage.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('the Dashboard draws messages and tokens per channel and day and cost per user from /admin/stats', async () => {
    const statsRes = await api('/admin/stats?days=7');
    const statsText = await statsRes.text();
    assert.equal(statsRes.status, 200, statsText);
    const stats = JSON.parse(statsText) as {
      days: string[];
      channels: Array<{ day: string; channel: string; messages: number; tokens: number }>;
      usage: Array<{ userId: string; costUsd: number }>;
    };
    const today = stats.days.at(-1)!;
    const web = stats.channels.find((c) => c.day === today && c.channel === 'webchat')!;
    assert.ok(web.messages >= 6, 'three questions and their answers at least');
    const page = await signedIn(h.token, 'Dashboard');
    const messages = page.getByTestId('chart-messages');
    await messages
      .getByRole('img', { name: new RegExp(`${today} ${web.messages.toLocaleString('en-US')}$`) })
      .waitFor();
    // One drawn block for web chat today, and the legend names the channel.
    assert.equal(await messages.locator(`g[data-day="${today}"] rect`).count(), 1);
    await messages.locator('.legend').getByText('webchat').waitFor();
    const tokens = page.getByTestId('chart-tokens');
    await tokens.getByRole('img', { name: new RegExp(`${today} ${web.tokens.toLocaleString('en-US')}$`) }).waitFor();
    const costs = page.getByTestId('chart-cost-user');
    assert.equal(await costs.locator('rect').count(), new Set(stats.usage.map((u) => u.userId)).size);
    await page.screenshot({ path: join(ARTIFACTS, 'console-dashboard-charts.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'console-dashboard-charts-dark.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
