// Keyboard only: join, open the lab, work in the terminal, leave it with F6, check, take a
// hint; no mouse at all. Every focused control must show a visible focus indicator. Also:
// 200% zoom (half the CSS viewport) needs no sideways scrolling, and German browsers get
// the German catalogue.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startServer, launch, shot, PROMPT, waitTerm, staffLogin, createCohort, solution, labOffered, srcdir } from "./lib.mjs";

let server, browser, code;

before(async () => {
	try {
		server = await startServer();
		browser = await launch();
		const staff = await browser.person();
		await staffLogin(staff.page, server.url, server.instructor);
		({ code } = await createCohort(staff.page, "Keyboard test"));
		await staff.context.close();
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

// Press Tab until `pred` holds for the focused element (at most `max` times); each focused
// element must have a visible focus ring.
async function tabTo(page, pred, what, max = 40) {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press("Tab");
		const info = await page.evaluate(() => {
			const el = document.activeElement;
			const cs = getComputedStyle(el);
			return {
				id: el.id, tag: el.tagName, text: (el.innerText || el.value || "").trim().slice(0, 80),
				cls: el.className, outline: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2,
				inTerm: !!el.closest("#terminal"), href: el.getAttribute("href") || "",
			};
		});
		if (info.tag !== "BODY" && !info.inTerm)
			assert.ok(info.outline, `visible focus on ${info.tag}#${info.id}.${info.cls} "${info.text}"`);
		if (pred(info))
			return info;
	}
	throw new Error(`Tab never reached ${what}`);
}

let kb, offered;

test("keyboard only: join with a code and reach the labs", async () => {
	kb = await browser.person();
	const { page } = kb;
	await page.goto(`${server.url}/`);
	await page.waitForSelector("#join-code");
	await tabTo(page, (f) => f.id === "join-code", "the join code field");
	await page.keyboard.type(code);
	await tabTo(page, (f) => f.id === "join-nickname", "the nickname field");
	await page.keyboard.type("linus");
	await page.keyboard.press("Enter");
	await page.waitForSelector("#passphrase");
	await tabTo(page, (f) => f.id === "continue", "the continue button");
	await shot(page, "keyboard-01-continue-focused");
	await page.keyboard.press("Enter");
	offered = await labOffered(page, server, "hello-shell");
	assert.ok(await page.evaluate(() => document.activeElement.tagName === "H1"),
		"after a page change, focus is on its heading");
});

test("keyboard only: terminal, F6 out, Check, hint with confirmation", async (t) => {
	if (!offered || !offered.ok)
		return t.skip(offered ? offered.why : "the join failed");
	const { page } = kb;
	await tabTo(page, (f) => f.tag === "A" && f.href && f.href.includes("#/lab/hello-shell"), "the lab's link");
	await page.keyboard.press("Enter");
	await page.waitForSelector("#terminal .xterm-rows");
	await waitTerm(page, PROMPT, 20000);

	// F6 goes into the terminal, typing works, F6 comes back out to the current step's action.
	await page.keyboard.press("F6");
	assert.ok(await page.evaluate(() => !!document.activeElement.closest("#terminal")), "F6 moves focus into the terminal");
	await page.keyboard.type(solution("hello-shell", "create"));
	await page.keyboard.type("echo done-$((6*7))\n");
	await waitTerm(page, /done-42/);
	await page.keyboard.press("Tab"); // Tab belongs to the shell (completion): focus stays
	assert.ok(await page.evaluate(() => !!document.activeElement.closest("#terminal")), "Tab stays in the terminal");
	await page.keyboard.press("F6");
	const out = await page.evaluate(() => document.activeElement.className);
	assert.match(out, /step-action/, "F6 leaves the terminal to the current step's Check button");
	await shot(page, "keyboard-02-check-focused");
	await page.keyboard.press("Enter");
	await page.waitForSelector('.step[data-step="create"][data-state="passed"]', { timeout: 20000 });
	const focused = await page.evaluate(() => document.activeElement.className);
	assert.match(focused, /next-step/, `focus lands on "next step" (${focused})`);
	await page.keyboard.press("Enter");
	const hint = await tabTo(page, (f) => /hint-button/.test(f.cls), "a hint button");
	assert.match(hint.text, /\d/, "the hint button says what it costs");
	await page.keyboard.press("Enter");
	await page.waitForSelector("dialog.dialog[open]");
	await shot(page, "keyboard-03-hint-dialog");
	await page.keyboard.press("Enter");
	await page.waitForSelector(".hint-text");
	assert.ok(await page.evaluate(() => !document.querySelector("dialog")), "the dialog is gone");
	await shot(page, "keyboard-04-hint-shown");

	// The terminal's screen reader mode is a labelled checkbox, reached and switched by keyboard.
	await tabTo(page, (f) => f.id === "sr-mode", "the screen reader mode switch", 60);
	await page.keyboard.press("Space");
	await page.waitForSelector("#terminal .xterm-accessibility-tree", { state: "attached" });
	assert.equal(await page.getAttribute("#sr-mode", "id"), "sr-mode");
	assert.match(await page.locator("label[for=sr-mode]").innerText(), /screen reader/i);
});

test("200% zoom: sign-in, labs and lab view fit without sideways scrolling", async () => {
	const { page, context } = await browser.person({ viewport: { width: 640, height: 400 } });
	const fits = async (what) => {
		const { sw, w } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
		assert.ok(sw <= w + 1, `${what}: page is ${sw}px wide in a ${w}px viewport`);
	};
	await page.goto(`${server.url}/`);
	await page.waitForSelector("#join-code");
	await fits("sign-in");
	await shot(page, "zoom200-login");
	await page.fill("#join-code", code);
	await page.fill("#join-nickname", "zoe");
	await page.click("#join-form button[type=submit]");
	await page.waitForSelector("#passphrase");
	await fits("passphrase");
	await page.click("#continue");
	const ok = await labOffered(page, server, "hello-shell");
	await fits("labs");
	if (ok.ok) {
		await page.goto(`${server.url}/#/lab/hello-shell`);
		await page.waitForSelector("#terminal .xterm-rows");
		await fits("lab view");
		await shot(page, "zoom200-lab");
		// The terminal is below the steps there: one button takes the learner to it.
		await page.click("button.to-term");
		assert.ok(await page.evaluate(() => !!document.activeElement.closest("#terminal")), "the button focuses the terminal");
		await shot(page, "zoom200-lab-terminal");
	}
	await context.close();
});

test("a German browser gets the German interface", async () => {
	const { page, context } = await browser.person({ locale: "de-DE" });
	await page.goto(`${server.url}/`);
	await page.waitForSelector("#join-form h2");
	assert.match(await page.locator("#join-form h2").innerText(), /Code beitreten/);
	assert.equal(await page.getAttribute("html", "lang"), "de");
	await shot(page, "i18n-de-login");
	await context.close();
});

// The server renders steps/de/*.md for a German browser (Accept-Language on the WebSocket).
test("a German browser gets the lab's German step text", async (t) => {
	if (!offered || !offered.ok)
		return t.skip(offered ? offered.why : "the join failed");
	const { page, context } = await browser.person({ locale: "de-DE" });
	await page.goto(`${server.url}/`);
	await page.fill("#join-code", code);
	await page.fill("#join-nickname", "grete");
	await page.click("#join-form button[type=submit]");
	await page.click("#continue");
	await page.goto(`${server.url}/#/lab/hello-shell`);
	await page.waitForSelector('.step[data-step="create"] .instructions h4');
	await shot(page, "i18n-de-lab");
	const text = await page.locator('.step[data-step="create"] .instructions').innerText();
	await context.close();
	assert.match(text, /Sag hallo|Willkommen/);
});

// axe-core (WCAG 2.1 A/AA rules: contrast, labels, names, landmarks...) on every page.
async function axe(page, what) {
	const file = path.join(srcdir, "node_modules", "axe-core", "axe.min.js");
	await page.addScriptTag({ path: file });
	const v = await page.evaluate(async () => {
		const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
		return r.violations.map((x) => `${x.id} (${x.impact}): ${x.help} -- ${x.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
	});
	assert.deepEqual(v, [], `${what}: accessibility violations`);
}

test("no WCAG 2.1 AA violations found by axe-core on any page", async () => {
	// bypassCSP: axe is injected as an inline script, which labhub's CSP rightly forbids.
	const { page, context } = await browser.person({ bypassCSP: true });
	await page.goto(`${server.url}/`);
	await page.waitForSelector("#join-code");
	await axe(page, "sign-in");
	await page.fill("#join-code", code);
	await page.fill("#join-nickname", "axel");
	await page.click("#join-form button[type=submit]");
	await page.waitForSelector("#passphrase");
	await axe(page, "passphrase");
	await page.click("#continue");
	const ok = await labOffered(page, server, "hello-shell");
	await axe(page, "labs");
	if (ok.ok) {
		await page.goto(`${server.url}/#/lab/hello-shell`);
		await page.waitForSelector("#terminal .xterm-rows");
		await waitTerm(page, PROMPT, 20000);
		await axe(page, "lab view");
	}
	await context.close();

	const staff = await browser.person({ bypassCSP: true });
	await staffLogin(staff.page, server.url, server.instructor);
	await staff.page.goto(`${server.url}/#/cohorts`);
	await staff.page.waitForSelector("#cohort-table");
	await axe(staff.page, "cohorts");
	const id = await staff.page.locator("#cohort-table tr[data-cohort]:has-text(\"Keyboard test\")").getAttribute("data-cohort");
	await staff.page.goto(`${server.url}/#/cohort/${id}`);
	await staff.page.waitForSelector("#grid, .grid-box p:not(.loading)");
	await axe(staff.page, "grid");
	await staff.page.click("button.learner");
	await staff.page.waitForSelector("#detail .history :is(table, p:not(.loading))");
	await axe(staff.page, "drill-down");
	await staff.page.goto(`${server.url}/#/cohort/${id}/cards`);
	await staff.page.waitForSelector(".signin-card");
	await axe(staff.page, "cards");
	await staff.context.close();
});
