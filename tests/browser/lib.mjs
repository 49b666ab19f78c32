// Shared set-up for the browser tests: a real `labhub serve` on an ephemeral loopback port
// with a fresh data directory, Debian's chromium driven by playwright-core with a fresh
// profile, screenshots under tests/artifacts/, and helpers that read the xterm.js screen.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const srcdir = process.env.LABHUB_SRCDIR || path.resolve(import.meta.dirname, "../..");
const require = createRequire(path.join(srcdir, "package.json"));
const { chromium } = require("playwright-core");

export const ARTIFACTS = process.env.LABHUB_ARTIFACTS || path.join(srcdir, "tests", "artifacts");

async function waitHealthy(url, proc, log) {
	const until = Date.now() + 20000;
	while (Date.now() < until) {
		if (proc && proc.exitCode !== null)
			throw new Error(`labhub serve exited with ${proc.exitCode}:\n${log()}`);
		try {
			const r = await fetch(`${url}/healthz`);
			if (r.ok)
				return;
		} catch (e) {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`labhub serve did not become healthy at ${url}:\n${log()}`);
}

// Start `labhub serve --demo` on a free loopback port (--listen 127.0.0.1:0; the first line
// on stdout is "labhub: serving URL"). The demo instructor is 'teacher' with the password
// kept in DATA/demo-credentials. LABHUB_TEST_URL instead points the tests at a running
// server (then LABHUB_TEST_INSTRUCTOR="name:password" says who the instructor is).
export async function startServer({ labs, args = [] } = {}) {
	if (process.env.LABHUB_TEST_URL)
		return { url: process.env.LABHUB_TEST_URL.replace(/\/$/, ""), instructor: instructorFrom(null), stop: async () => {} };
	const data = fs.mkdtempSync(path.join(os.tmpdir(), "labhub-browser-"));
	let out = "";
	const proc = spawn(process.env.LABHUB, ["serve", "--listen", "127.0.0.1:0", "--data", data,
		"--web", process.env.LABHUB_WEB, "--labs", labs || path.join(srcdir, "curriculum"), "--demo", ...args],
	{ stdio: ["ignore", "pipe", "pipe"] });
	proc.stdout.on("data", (d) => { out += d; });
	proc.stderr.on("data", (d) => { out += d; });
	const until = Date.now() + 20000;
	let m = null;
	while (!(m = /labhub: serving (\S+)/.exec(out)) && Date.now() < until && proc.exitCode === null)
		await new Promise((r) => setTimeout(r, 50));
	if (!m) {
		proc.kill("SIGKILL");
		throw new Error(`labhub serve did not say where it serves:\n${out}`);
	}
	const url = m[1].replace(/\/$/, "");
	await waitHealthy(url, proc, () => out);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const name = `serve-${path.basename(data)}.log`;
	return {
		url, data, proc,
		log: () => out,
		instructor: instructorFrom(data),
		async stop() {
			if (proc.exitCode === null) {
				proc.kill("SIGTERM");
				await new Promise((r) => { proc.once("exit", r); setTimeout(r, 5000); });
			}
			fs.writeFileSync(path.join(ARTIFACTS, name), out);
			fs.rmSync(data, { recursive: true, force: true });
		},
	};
}

function instructorFrom(data) {
	const env = process.env.LABHUB_TEST_INSTRUCTOR;
	if (env) {
		const i = env.indexOf(":");
		return { name: env.slice(0, i), password: env.slice(i + 1) };
	}
	const password = data ? fs.readFileSync(path.join(data, "demo-credentials"), "utf8").trim() : "teacher";
	return { name: "teacher", password };
}

export async function launch() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "labhub-chromium-"));
	const ctx0 = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.LABHUB_CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-quic"],
	});
	const browser = ctx0.browser();
	return {
		// A fresh, isolated context per person (own cookies).
		async person(opts = {}) {
			const context = browser ? await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts }) : ctx0;
			const page = await context.newPage();
			page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
			page.on("console", (m) => { if (m.type() === "error" && !/status of 401/.test(m.text())) console.error(`[console] ${m.text()}`); });
			return { context, page };
		},
		async close() {
			await ctx0.close();
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

export async function shot(page, name) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const file = path.join(ARTIFACTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: false });
	return file;
}

// The visible text of the xterm.js screen (DOM renderer), non-breaking spaces as spaces.
export async function termText(page) {
	return (await page.locator("#terminal .xterm-rows").innerText()).replace(/\u00a0/g, " ");
}

export async function waitTerm(page, re, timeout = 10000) {
	const until = Date.now() + timeout;
	let text = "";
	while (Date.now() < until) {
		text = await termText(page);
		if (re.test(text))
			return text;
		await page.waitForTimeout(100);
	}
	throw new Error(`terminal never showed ${re}; it shows:\n${text}`);
}

// Sign in a staff user through the form.
export async function staffLogin(page, url, { name, password }) {
	await page.goto(`${url}/`);
	await page.fill("#login-name", name);
	await page.fill("#login-pass", password);
	await page.click("#login-form button[type=submit]");
	await page.waitForSelector("header .user");
}

export async function createCohort(page, name) {
	await page.goto(`${new URL(page.url()).origin}/#/cohorts`);
	await page.fill("#cohort-name", name);
	await page.click("#cohort-form button[type=submit]");
	const code = (await page.locator("#new-code").innerText()).trim();
	const href = await page.locator("#cohort-form a[href^='#/cohort/']").getAttribute("href");
	return { code, id: href.split("/")[2] };
}

export async function join(page, url, code, nickname) {
	await page.goto(`${url}/`);
	await page.fill("#join-code", code);
	await page.fill("#join-nickname", nickname);
	await page.click("#join-form button[type=submit]");
	await page.waitForSelector("#passphrase");
	return (await page.locator("#passphrase").innerText()).trim();
}

export { srcdir, execFileSync };

// A shell prompt at the end of a line ($ for the learner, # or > or % elsewhere).
export const PROMPT = /[$#%>] *$/m;

// The commands of a lab's reference solution for one step (comments and blank lines dropped),
// so the tests type what the lab really wants.
export function solution(lab, step) {
	const file = path.join(srcdir, "curriculum", "labs", lab, "solution", `${step}.sh`);
	return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#")).join("\n") + "\n";
}

// Wait for the labs page to settle; true when the lab is offered to this learner. When it is
// not, `why` carries what the server log says about it (for the skip message).
export async function labOffered(page, server, lab) {
	await page.waitForSelector("main h1");
	await page.waitForFunction(() => !document.querySelector("main [aria-busy=true]"), null, { timeout: 15000 });
	if (await page.locator(`[data-lab="${lab}"] a`).count() > 0)
		return { ok: true };
	const log = server.log ? server.log() : "";
	const line = log.split("\n").find((l) => l.includes(lab)) || "not in the catalog";
	return { ok: false, why: `${lab} is not offered by this server (${line.trim()})` };
}
