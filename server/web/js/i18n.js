// i18n: every string the UI shows comes from a message catalogue (i18n/<lang>.json).
// The language is the first of navigator.languages we have a catalogue for, else English;
// missing keys fall back to English, then to the key itself (so a gap is visible, not blank).

export const LANGS = ["en", "de"];
let current = "en";
let messages = {};
let fallback = {};

async function load(lang) {
	const r = await fetch(`i18n/${lang}.json`, { cache: "no-cache" });
	if (!r.ok)
		throw new Error(`i18n/${lang}.json: HTTP ${r.status}`);
	return r.json();
}

export function pickLanguage(prefs) {
	const stored = localStorage.getItem("labhub.lang");
	const list = [stored, ...(prefs || [])].filter(Boolean);
	for (const p of list) {
		const base = String(p).toLowerCase().split("-")[0];
		if (LANGS.includes(base))
			return base;
	}
	return "en";
}

export async function init() {
	current = pickLanguage(navigator.languages && navigator.languages.length ?
		navigator.languages : [navigator.language]);
	fallback = await load("en");
	messages = current === "en" ? fallback : await load(current).catch(() => fallback);
	document.documentElement.lang = current;
}

export function lang() {
	return current;
}

export function setLanguage(l) {
	localStorage.setItem("labhub.lang", l);
	location.reload();
}

// t("lab.points", {n: 3}) -> "3 points". Plural forms: a key may hold {"one": ..., "other": ...}
// chosen by params.n with Intl.PluralRules.
export function t(key, params) {
	let m = messages[key] ?? fallback[key] ?? key;
	if (typeof m === "object") {
		const n = params && typeof params.n === "number" ? params.n : 0;
		const cat = new Intl.PluralRules(current).select(n);
		m = m[cat] ?? m.other ?? key;
	}
	if (params)
		m = m.replace(/\{(\w+)\}/g, (all, name) => name in params ? String(params[name]) : all);
	return m;
}

export function formatTime(at) {
	if (at === undefined || at === null || at === "")
		return "";
	const d = typeof at === "number" ? new Date(at < 1e12 ? at * 1000 : at) : new Date(at);
	if (isNaN(d))
		return String(at);
	return d.toLocaleString(current);
}
