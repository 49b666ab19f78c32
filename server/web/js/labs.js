// labs: tracks and their labs with the learner's progress (labs.list).

import { t } from "./i18n.js";
import { h, replace } from "./dom.js";

function progress(p) {
	const steps = p && p.steps ? p.steps : 0;
	const passed = p && p.passed ? p.passed : 0;
	return h("div", { class: "progress-line" },
		h("progress", { max: steps || 1, value: passed, "aria-label": t("labs.progress.label") }),
		h("span", {}, t("labs.progress", { passed, steps }), " · ",
			t("points", { n: p && p.points ? p.points : 0 })));
}

function labCard(lab) {
	const p = lab.progress || {};
	const started = (p.passed || 0) > 0;
	const done = p.steps && p.passed >= p.steps;
	const action = lab.available === false ?
		h("p", { class: "unavailable" }, t("labs.unavailable", { tools: (lab.missing || []).join(", ") })) :
		h("a", { class: "button primary", href: `#/lab/${encodeURIComponent(lab.id)}`,
			"aria-label": `${t(done ? "labs.review" : started ? "labs.continue" : "labs.start")}: ${lab.title}` },
			t(done ? "labs.review" : started ? "labs.continue" : "labs.start"));
	return h("li", { class: "lab-card card", "data-lab": lab.id },
		h("h3", {}, lab.title, done ? h("span", { class: "badge ok" }, t("labs.done")) : null),
		lab.summary ? h("p", {}, lab.summary) : null,
		lab.minutes ? h("p", { class: "hint" }, t("labs.minutes", { n: lab.minutes })) : null,
		progress(p),
		action);
}

export function render(ctx, root) {
	const body = h("div", { "aria-busy": "true" }, h("p", { class: "loading" }, t("loading")));
	replace(root, h("h1", {}, t("labs.title")), body);

	const load = async () => {
		let r;
		try {
			r = await ctx.conn.request("labs.list");
		} catch (e) {
			if (e.code !== "network")
				replace(body, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
			return;
		}
		body.removeAttribute("aria-busy");
		const byId = new Map((r.labs || []).map((l) => [l.id, l]));
		const seen = new Set();
		const sections = [];
		for (const tr of r.tracks || []) {
			// A track lists lab ids (or {lab, objective} entries).
			const labs = (tr.labs || []).map((x) => byId.get(typeof x === "string" ? x : x.lab || x.id))
				.filter(Boolean);
			labs.forEach((l) => seen.add(l.id));
			sections.push(h("section", { class: "track", "aria-labelledby": `track-${tr.id}` },
				h("h2", { id: `track-${tr.id}` }, tr.title),
				tr.audience ? h("p", { class: "hint" }, t("labs.audience", {
					who: [].concat(tr.audience).map((a) => t(`audience.${a}`)).join(", "),
				})) : null,
				labs.length ? h("ol", { class: "lab-list" }, labs.map(labCard)) :
					h("p", { class: "unavailable" }, t("labs.track.empty"))));
		}
		const rest = (r.labs || []).filter((l) => !seen.has(l.id));
		if (rest.length)
			sections.push(h("section", { class: "track", "aria-labelledby": "track-other" },
				h("h2", { id: "track-other" }, sections.length ? t("labs.other") : t("labs.all")),
				h("ul", { class: "lab-list" }, rest.map(labCard))));
		if (!sections.length)
			sections.push(h("p", {}, t("labs.none")));
		replace(body, sections);
	};
	return ctx.conn.onOpen(load);
}
