// The message catalogues: every key the pages use exists in English, and every other
// language has exactly the English keys (with the same plural forms and {placeholders}).

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { srcdir } from "./lib.mjs";

const web = path.join(srcdir, "server", "web");
const load = (l) => JSON.parse(fs.readFileSync(path.join(web, "i18n", `${l}.json`), "utf8"));
const en = load("en");
const others = fs.readdirSync(path.join(web, "i18n")).filter((f) => f.endsWith(".json") && f !== "en.json")
	.map((f) => f.replace(/\.json$/, ""));

function placeholders(v) {
	const text = typeof v === "object" ? Object.values(v).join(" ") : v;
	return [...new Set(text.match(/\{\w+\}/g) || [])].sort();
}

test("every t(\"...\") key in the pages is in en.json", () => {
	const missing = [];
	for (const f of fs.readdirSync(path.join(web, "js"))) {
		const src = fs.readFileSync(path.join(web, "js", f), "utf8");
		for (const m of src.matchAll(/\bt\(\s*"([a-z0-9_.]+)"/g))
			if (!(m[1] in en))
				missing.push(`${f}: ${m[1]}`);
	}
	assert.deepEqual(missing, []);
});

test("the error codes of doc/PROTOCOL.md all have a message", () => {
	const proto = fs.readFileSync(path.join(srcdir, "doc", "PROTOCOL.md"), "utf8");
	const from = proto.indexOf("CODE one of");
	const para = proto.slice(from, proto.indexOf("\n\n", from));
	const codes = [...para.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((c) => c !== "field");
	assert.ok(codes.length >= 10);
	for (const c of codes)
		assert.ok(`error.${c}` in en, `error.${c}`);
});

for (const l of others) {
	test(`${l}.json is complete`, () => {
		const cat = load(l);
		assert.deepEqual(Object.keys(cat).sort(), Object.keys(en).sort(), `${l} has the same keys as en`);
		for (const k of Object.keys(en)) {
			assert.equal(typeof cat[k], typeof en[k], `${l}: ${k} has the same shape`);
			assert.deepEqual(placeholders(cat[k]), placeholders(en[k]), `${l}: ${k} has the same placeholders`);
		}
	});
}
