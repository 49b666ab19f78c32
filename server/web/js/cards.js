// cards: printable sign-in cards for a workshop: the address, the cohort's join code, and
// space for the learner's nickname and the passphrase they are shown once.

import { t } from "./i18n.js";
import { h, replace } from "./dom.js";

export function render(ctx, root, { cohort }) {
	document.body.classList.add("print-view");
	const count = h("input", { id: "card-count", type: "number", min: 1, max: 200, value: 30 });
	const sheet = h("div", { class: "cards", id: "cards" });
	const title = h("h1", {}, t("cards.title"));
	const url = `${location.origin}/`;
	let info = null;

	function draw() {
		const n = Math.max(1, Math.min(200, parseInt(count.value, 10) || 1));
		if (!info)
			return;
		replace(sheet, Array.from({ length: n }, () => h("article", { class: "signin-card" },
			h("p", { class: "card-head" }, "labhub · ", info.name),
			h("dl", {},
				h("dt", {}, t("cards.address")), h("dd", { class: "mono" }, url),
				h("dt", {}, t("join.code")), h("dd", { class: "mono big" }, info.code),
				h("dt", {}, t("join.nickname")), h("dd", { class: "blank" }, ""),
				h("dt", {}, t("join.done.passphrase")), h("dd", { class: "blank" }, "")),
			h("p", { class: "card-foot" }, t("cards.howto")))));
	}

	replace(root,
		h("div", { class: "no-print" },
			h("p", { class: "crumbs" }, h("a", { href: `#/cohort/${encodeURIComponent(cohort)}` }, t("cards.back"))),
			title,
			h("p", {}, t("cards.intro")),
			h("div", { class: "field inline" }, h("label", { for: "card-count" }, t("cards.count")), count),
			h("p", {}, h("button", { class: "primary", onclick: () => window.print() }, t("cards.print")))),
		sheet);
	count.addEventListener("input", draw);

	return ctx.conn.onOpen(async () => {
		try {
			const r = await ctx.conn.request("cohort.list");
			info = (r.cohorts || []).find((c) => String(c.id) === String(cohort));
			if (!info) {
				replace(sheet, h("p", { class: "error", role: "alert" }, t("error.not_found")));
				return;
			}
			title.textContent = t("cards.titlefor", { name: info.name });
			draw();
		} catch (e) {
			if (e.code !== "network")
				replace(sheet, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
		}
	});
}
