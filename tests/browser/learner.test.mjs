// Learner flow against a real labhub: join with a code (the passphrase shown once), sign in
// again with it; open hello-shell, type in the real terminal, pass a step, take a hint (its
// cost confirmed first), reload and find the same shell.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { startServer, launch, shot, PROMPT, termText, waitTerm, staffLogin, createCohort, join,
	solution, labOffered, srcdir } from "./lib.mjs";

let server, browser, learner, code, offered, header = "";

before(async () => {
	try {
		server = await startServer();
		browser = await launch();
		const staff = await browser.person();
		await staffLogin(staff.page, server.url, server.instructor);
		({ code } = await createCohort(staff.page, "Browser test learners"));
		assert.match(code, /\S{4,}/, "a new cohort shows its join code");
		await staff.context.close();
		learner = await browser.person();
	} catch (e) {
		console.error(`set-up failed: ${e.stack || e}`);
		if (server && server.log)
			console.error(server.log());
		throw e;
	}
});

after(async () => {
	if (browser)
		await browser.close();
	if (server)
		await server.stop();
});

test("join with a code: the passphrase is shown once and signs the learner in again", async () => {
	const { page } = learner;
	const pass = await join(page, server.url, code, "ada");
	assert.ok(pass.length >= 8, `a usable passphrase is shown (got "${pass}")`);
	assert.ok(await page.locator(".once").isVisible());
	await shot(page, "learner-01-passphrase");
	await page.click("#continue");
	offered = await labOffered(page, server, "hello-shell");
	await shot(page, "learner-02-labs");
	await page.goto(`${server.url}/`);
	await page.waitForSelector("main h1");
	assert.equal(await page.locator("#passphrase").count(), 0, "the passphrase is not shown again");

	// Sign out, then back in with code + nickname + passphrase.
	await page.click("header button:has-text('Sign out')");
	await page.waitForSelector("#again-form");
	await page.fill("#again-code", code);
	await page.fill("#again-nickname", "ada");
	await page.fill("#again-pass", "wrong-passphrase");
	await page.click("#again-form button[type=submit]");
	await page.waitForSelector("#again-form .form-error:not(:empty)");
	assert.match(await page.locator("#again-form .form-error").innerText(), /match|wait/i, "a wrong passphrase is refused in words");
	await page.fill("#again-pass", pass);
	await page.click("#again-form button[type=submit]");
	await page.waitForSelector("header .user");
	header = await page.locator("header .user").innerText();
});

test("the header greets the learner by the nickname they chose", () => {
	assert.match(header, /ada/);
});

test("hello-shell: a real shell, a passed step, a hint, the same shell after reload", async (t) => {
	if (!offered.ok)
		return t.skip(offered.why);
	const { page } = learner;
	await page.goto(`${server.url}/#/labs`);
	await page.click('[data-lab="hello-shell"] a');
	await page.waitForSelector("#terminal .xterm-rows");
	await waitTerm(page, PROMPT, 20000);
	await page.click("#terminal");
	await page.keyboard.type(solution("hello-shell", "create"));
	await page.keyboard.type("MARK=m$$; echo \"pid=$$\"; ls\n");
	const before = await waitTerm(page, /pid=\d+/);
	const pid = /pid=(\d+)/.exec(before)[1];
	await waitTerm(page, /hello\.txt/);
	await shot(page, "learner-03-terminal");

	const first = page.locator('.step[data-step="create"]');
	await first.locator(".step-action").click();
	await page.waitForSelector('.step[data-step="create"][data-state="passed"]', { timeout: 20000 });
	assert.match(await first.locator(".feedback").innerText(), /\S/);
	const scoreAfterPass = parseInt(await page.locator("#score").innerText(), 10);
	assert.ok(scoreAfterPass > 0, "passing a step earns points");
	await shot(page, "learner-04-passed");

	// A hint on the next step: the cost is confirmed before the text is revealed, and
	// passing that step then earns its points minus the cost.
	await first.locator(".next-step").click();
	const hinted = page.locator('.step[data-step="secret"]');
	const worth = parseInt(await hinted.locator(".step-points").innerText(), 10);
	const button = hinted.locator(".hint-button").first();
	const cost = parseInt(/(\d+)\D*$/.exec(await button.innerText())[1], 10);
	await button.click();
	const dialog = page.locator("dialog.dialog");
	await dialog.waitFor();
	assert.match(await dialog.innerText(), new RegExp(`\\b${cost}\\b`), "the dialog names the cost");
	await shot(page, "learner-05-hint-confirm");
	await dialog.locator('button[value="ok"]').click();
	await page.waitForSelector('.step[data-step="secret"] .hint-text');
	await shot(page, "learner-06-hint");
	await page.click("#terminal");
	await page.keyboard.type(solution("hello-shell", "secret"));
	await page.keyboard.type("echo secret-done\n");
	await waitTerm(page, /secret-done\s*\n.*[$#%>] *$/m);
	await hinted.locator(".step-action").click();
	await page.waitForSelector('.step[data-step="secret"][data-state="passed"]', { timeout: 20000 });
	const scoreAfterHint = parseInt(await page.locator("#score").innerText(), 10);
	assert.equal(scoreAfterHint, scoreAfterPass + worth - cost, "the hint's cost comes off the step's points");

	// A question step: a wrong choice gets the lab's advice, the right one passes.
	const perms = page.locator('.step[data-step="perms"]');
	await hinted.locator(".next-step").click();
	await perms.locator('input[type=radio][value="only the owner"]').check();
	await perms.locator(".step-action").click();
	await perms.locator(".feedback.warn").waitFor({ timeout: 20000 });
	assert.match(await perms.locator(".feedback").innerText(), /last three/i, "the lab's own feedback is shown");
	assert.equal(await perms.getAttribute("data-state"), "open");
	await shot(page, "learner-06b-wrong-answer");
	const right = fs.readFileSync(`${srcdir}/curriculum/labs/hello-shell/solution/perms.answer`, "utf8").trim();
	await perms.locator(`input[type=radio][value="${right}"]`).check();
	await perms.locator(".step-action").click();
	await page.waitForSelector('.step[data-step="perms"][data-state="passed"]', { timeout: 20000 });
	const scoreAll = parseInt(await page.locator("#score").innerText(), 10);
	assert.ok(scoreAll > scoreAfterHint, "the last step adds its points");

	await page.reload();
	await page.waitForSelector("#terminal .xterm-rows");
	await page.waitForSelector('.step[data-step="create"][data-state="passed"]');
	assert.equal(parseInt(await page.locator("#score").innerText(), 10), scoreAll, "the score survives a reload");
	await page.click("#terminal");
	await page.keyboard.type("echo \"again=$$ $MARK\"\n");
	const again = await waitTerm(page, /again=\d+ m\d+/);
	assert.equal(/again=(\d+)/.exec(again)[1], pid, "after a reload the same shell is attached");
	assert.equal(/again=\d+ m(\d+)/.exec(again)[1], pid, "the shell kept its variables");
	await shot(page, "learner-07-reloaded");
	assert.match(await termText(page), /again=/);

	// A network drop: the socket goes away, comes back by itself, and the same shell is there.
	await page.evaluate(() => window.labhub.conn.ws.close());
	await page.waitForSelector("#status.ok", { timeout: 15000 });
	await page.click("#terminal");
	await page.keyboard.type("echo \"back=$$\"\n");
	const back = await waitTerm(page, /back=\d+/);
	assert.equal(/back=(\d+)/.exec(back)[1], pid, "after a reconnect the same shell is attached");
	await shot(page, "learner-08-reconnected");
});

test("an ended session says so and offers to sign in again", async (t) => {
	if (!offered.ok)
		return t.skip(offered.why);
	const { page, context } = learner;
	// Sign out "on another tab" of the same browser: this tab's session is gone.
	const other = await context.newPage();
	await other.goto(`${server.url}/`);
	await other.evaluate(() => fetch("/api/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }));
	await other.close();
	if (!(await page.locator('.step[data-step="create"] .step-action').isVisible()))
		await page.locator('.step[data-step="create"] .step-toggle').click();
	await page.locator('.step[data-step="create"] .step-action').click();
	await page.waitForSelector("main h1:has-text('expired')", { timeout: 10000 });
	await shot(page, "learner-09-expired");
	await page.click("main button.primary");
	await page.waitForSelector("#join-form");
});
