// Instructor flow against a real labhub: cohort with a join code, printable sign-in cards,
// the grid with a learner who joined, drill-down, a new passphrase, the grades CSV; and the
// grid showing a learner's passed check within one second (pushed, not polled).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startServer, launch, shot, PROMPT, waitTerm, staffLogin, createCohort, join, solution,
	labOffered, ARTIFACTS, execFileSync } from "./lib.mjs";

let server, browser, staff, kid, code, id, offered;

before(async () => {
	try {
		server = await startServer();
		browser = await launch();
		staff = await browser.person();
		kid = await browser.person();
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

test("cohort, sign-in cards, grid, drill-down, new passphrase, CSV", async () => {
	const { page } = staff;
	await staffLogin(page, server.url, server.instructor);
	({ code, id } = await createCohort(page, "Grid test"));
	await page.waitForSelector(`#cohort-table tr[data-cohort="${id}"]`);
	assert.match(await page.locator(`#cohort-table tr[data-cohort="${id}"]`).innerText(), new RegExp(code));

	await page.goto(`${server.url}/#/cohort/${id}/cards`);
	await page.waitForSelector(".signin-card");
	assert.match(await page.locator(".signin-card").first().innerText(), new RegExp(code), "the cards carry the join code");
	await page.fill("#card-count", "4");
	assert.equal(await page.locator(".signin-card").count(), 4);
	await page.emulateMedia({ media: "print" });
	assert.equal(await page.locator("header.top").isVisible(), false, "the print view prints only the cards");
	await shot(page, "instructor-01-cards-print");
	await page.emulateMedia({ media: "screen" });

	await page.goto(`${server.url}/#/cohort/${id}`);
	await page.waitForSelector(".grid-box p:not(.loading), #grid");
	await join(kid.page, server.url, code, "grace");
	await kid.page.click("#continue");
	offered = await labOffered(kid.page, server, "hello-shell");
	await page.reload();
	await page.waitForSelector('tr[data-user] button.learner:has-text("grace")');
	await shot(page, "instructor-02-grid");

	await page.click('button.learner:has-text("grace")');
	await page.waitForSelector("#detail .history :is(table, p:not(.loading))");
	assert.match(await page.locator("#detail h2").innerText(), /grace/);
	await page.click("#new-pass");
	await page.locator('dialog.dialog button[value="ok"]').click();
	await page.waitForSelector("#detail .detail-out .passphrase");
	const fresh = (await page.locator("#detail .detail-out .passphrase").innerText()).trim();
	assert.ok(fresh.length >= 8, "a new passphrase is shown");
	await shot(page, "instructor-03-detail");

	const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
	const csv = fs.readFileSync(await download.path(), "utf8");
	fs.writeFileSync(path.join(ARTIFACTS, "grades.csv"), csv);
	const lines = csv.trim().split(/\r?\n/);
	assert.ok(lines.length >= 2, `a header and one row per learner:\n${csv}`);
	assert.ok(lines.slice(1).some((l) => l.includes("grace")), "the learner's row is there");
	if (offered.ok)
		assert.match(lines[0], /hello-shell/, "one column per lab step");

	// The learner signs in again (on another computer) with the new passphrase; that is the
	// session the next test goes on with.
	const other = await browser.person();
	await other.page.goto(`${server.url}/`);
	await other.page.fill("#again-code", code);
	await other.page.fill("#again-nickname", "grace");
	await other.page.fill("#again-pass", fresh);
	await other.page.click("#again-form button[type=submit]");
	await other.page.waitForSelector("header .user");
	await kid.context.close();
	kid = other;
});

test("the grid shows a passed check within 1 s", async (t) => {
	if (!offered || !offered.ok)
		return t.skip(offered ? offered.why : "no learner joined");
	const { page } = staff;
	await kid.page.goto(`${server.url}/#/lab/hello-shell`);
	await kid.page.waitForSelector("#terminal .xterm-rows");
	await waitTerm(kid.page, PROMPT, 20000);

	// Three failed checks on one step: the learner is marked stuck, and the filter finds them.
	const check = kid.page.locator('.step[data-step="create"] .step-action');
	for (let i = 0; i < 3; i++) {
		await check.click();
		await kid.page.locator('.step[data-step="create"] .feedback.warn').waitFor({ timeout: 20000 });
		await kid.page.waitForSelector('.step[data-step="create"] .step-action:not([disabled])');
	}
	await page.waitForSelector('tr[data-user].stuck .badge.stuck', { timeout: 5000 });
	await page.check("#only-stuck");
	assert.equal(await page.locator("tr[data-user]").count(), 1, "the stuck learner is listed");
	await shot(page, "instructor-04a-stuck");
	await page.uncheck("#only-stuck");

	await kid.page.click("#terminal");
	await kid.page.keyboard.type(solution("hello-shell", "create"));
	await kid.page.keyboard.type("echo typed-$((1+1))\n");
	await waitTerm(kid.page, /typed-2/);

	// Stamp the moment the grid cell turns "passed" and the moment the learner sees the result.
	await page.evaluate((key) => {
		window.__gridAt = null;
		new MutationObserver((_, obs) => {
			if (document.querySelector(`td[data-key="${key}"][data-state="passed"]`)) {
				window.__gridAt = Date.now();
				obs.disconnect();
			}
		}).observe(document.getElementById("main"), { subtree: true, childList: true, attributes: true });
	}, "hello-shell/create");
	const clickedAt = await kid.page.evaluate(() => Date.now());
	await kid.page.locator('.step[data-step="create"] .step-action').click();
	await kid.page.waitForSelector('.step[data-step="create"][data-state="passed"]', { timeout: 20000 });
	const resultAt = await kid.page.evaluate(() => Date.now());
	await page.waitForFunction(() => window.__gridAt !== null, null, { timeout: 5000 });
	const gridAt = await page.evaluate(() => window.__gridAt);
	t.diagnostic(`check took ${resultAt - clickedAt} ms; the grid changed ${gridAt - resultAt} ms after the learner saw the result`);
	assert.ok(gridAt - resultAt < 1000, `grid updated ${gridAt - resultAt} ms after the learner saw the result`);
	await shot(page, "instructor-04-grid-live");
	assert.equal(await page.locator('tr[data-user] .badge.stuck').count(), 0, "passing the step clears the stuck mark");

	await page.click('button.sort[data-sort="score"]');
	assert.equal(await page.locator('th:has(button[data-sort="score"])').getAttribute("aria-sort"), "descending");
	await page.click('button.learner:has-text("grace")');
	await page.waitForSelector("#detail .history table");
	assert.match(await page.locator("#detail .history").innerText(), /create/, "the history shows the step");
	await shot(page, "instructor-05-history");

	// The export now carries the points of the passed step in its own column.
	const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
	const rows = fs.readFileSync(await dl.path(), "utf8").trim().split(/\r?\n/).map((l) => l.split(","));
	fs.writeFileSync(path.join(ARTIFACTS, "grades-after-pass.csv"), rows.map((r) => r.join(",")).join("\n") + "\n");
	const col = rows[0].indexOf("hello-shell/create");
	const grace = rows.find((r) => r[0] === "grace");
	assert.ok(col > 0 && grace, `a hello-shell/create column and a row for grace:\n${rows.map((r) => r.join(",")).join("\n")}`);
	assert.ok(parseInt(grace[col], 10) > 0, `grace has points for hello-shell/create (${grace[col]})`);

	// Reset the learner's lab (confirmed first): the grid shows the step open again.
	await page.selectOption("#reset-lab", "hello-shell");
	await page.click("#reset");
	await page.locator('dialog.dialog button[value="ok"]').click();
	await page.waitForSelector("#detail .detail-out .ok");
	await page.waitForFunction(() => !document.querySelector('td[data-key="hello-shell/create"][data-state="passed"]'), null, { timeout: 5000 });
	await shot(page, "instructor-06-reset");
});

test("the admin page lists the server, every cohort and the labs", async (t) => {
	if (!server.data)
		return t.skip("needs a server started by the test (LABHUB_TEST_URL is set)");
	execFileSync(process.env.LABHUB, ["user", "add", "root", "--role", "admin", "--password-stdin", "--data", server.data],
		{ input: "admin-test-password-1\n" });
	const admin = await browser.person();
	await staffLogin(admin.page, server.url, { name: "root", password: "admin-test-password-1" });
	await admin.page.waitForSelector("main h1:has-text('Administration')");
	await admin.page.waitForSelector("section[aria-labelledby=adm-cohorts] table");
	const text = await admin.page.locator("main").innerText();
	assert.match(text, /Demo workshop/, "the demo cohort of another instructor is listed");
	assert.match(text, /Grid test/);
	assert.match(text, /labhub/, "the server's version is shown");
	await admin.page.waitForSelector("section[aria-labelledby=adm-labs] table");
	assert.match(await admin.page.locator("section[aria-labelledby=adm-labs]").innerText(), /hello-shell/);
	await shot(admin.page, "admin-01");
	await admin.context.close();
});
