// Errors a person can act on: a lab whose check script is broken says "this lab has a
// problem" (not "you are wrong") with the reference the instructor looks up in the log.
// The lab is hello-shell copied to a temporary curriculum with a Lua error in one check.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startServer, launch, shot, PROMPT, waitTerm, join, labOffered, srcdir } from "./lib.mjs";

let server, browser, tmp;

before(async () => {
	try {
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), "labhub-broken-lab-"));
		const lab = path.join(tmp, "labs", "hello-shell");
		fs.mkdirSync(path.join(tmp, "tracks"), { recursive: true });
		fs.cpSync(path.join(srcdir, "curriculum", "labs", "hello-shell"), lab, { recursive: true });
		const lua = fs.readFileSync(path.join(lab, "lab.lua"), "utf8");
		const broken = lua.replace('local s = c:read("hello.txt")', 'local oops = nil; local s = oops.field');
		assert.notEqual(broken, lua, "the test knows where to break the lab");
		fs.writeFileSync(path.join(lab, "lab.lua"), broken);
		server = await startServer({ labs: tmp });
		browser = await launch();
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
	if (tmp)
		fs.rmSync(tmp, { recursive: true, force: true });
});

test("a broken check says the lab has a problem, with a reference", async (t) => {
	const code = /join with the code (\S+)/.exec(server.log ? server.log() : "");
	if (!code)
		return t.skip("the demo's join code is not in the server's output");
	const { page } = await browser.person();
	await join(page, server.url, code[1], "eve");
	await page.click("#continue");
	const offered = await labOffered(page, server, "hello-shell");
	if (!offered.ok)
		return t.skip(offered.why);
	await page.goto(`${server.url}/#/lab/hello-shell`);
	await page.waitForSelector("#terminal .xterm-rows");
	await waitTerm(page, PROMPT, 20000);
	await page.locator('.step[data-step="create"] .step-action').click();
	const fb = page.locator('.step[data-step="create"] .feedback.error');
	await fb.waitFor({ timeout: 20000 });
	const text = await fb.innerText();
	assert.match(text, /lab has a problem/i, `the learner is told it is the lab's fault: ${text}`);
	assert.match(text, /LAB-[0-9a-z-]+/i, `a reference for the instructor: ${text}`);
	assert.equal(await page.getAttribute('.step[data-step="create"]', "data-state"), "open", "the step is not failed");
	await shot(page, "error-01-lab-problem");
});

// A cell that cannot run (1 MiB of memory): the terminal area says so, in words, with a
// button to try again, instead of hanging on "starting".
test("a terminal that cannot run says so and offers to try again", async (t) => {
	const small = await startServer({ args: ["--cell-limits", "pids=1,memory=1M"] });
	try {
		const code = /join with the code (\S+)/.exec(small.log ? small.log() : "");
		if (!code)
			return t.skip("the demo's join code is not in the server's output");
		const { page, context } = await browser.person();
		await join(page, small.url, code[1], "mallory");
		await page.click("#continue");
		const offered = await labOffered(page, small, "hello-shell");
		if (!offered.ok)
			return t.skip(offered.why);
		await page.goto(`${small.url}/#/lab/hello-shell`);
		await page.waitForSelector("#term-msg [role=alert]", { timeout: 30000 });
		const text = await page.locator("#term-msg").innerText();
		assert.match(text, /terminal/i, `the learner is told about the terminal: ${text}`);
		assert.ok(await page.locator("#term-retry").isVisible(), "a Try again button");
		await shot(page, "error-02-cell-ended");
		await context.close();
	} finally {
		await small.stop();
	}
});
