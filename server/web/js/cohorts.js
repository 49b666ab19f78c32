// cohorts: an instructor's cohorts with their join codes; create a new one.

import { t } from "./i18n.js";
import { h, replace } from "./dom.js";

export function render(ctx, root) {
	const list = h("div", { "aria-busy": "true" }, h("p", { class: "loading" }, t("loading")));
	const msg = h("p", { class: "form-error", role: "alert" });
	const created = h("div", { role: "status", "aria-live": "polite" });
	const form = h("form", { class: "card inline-form", id: "cohort-form", "aria-labelledby": "new-h" },
		h("h2", { id: "new-h" }, t("cohorts.new")),
		h("div", { class: "field" },
			h("label", { for: "cohort-name" }, t("cohorts.name")),
			h("input", { id: "cohort-name", name: "name", required: true, maxlength: 100 })),
		h("button", { type: "submit", class: "primary" }, t("cohorts.create")),
		msg, created);

	replace(root, h("h1", {}, t("cohorts.title")), form, h("h2", {}, t("cohorts.yours")), list);

	const load = async () => {
		let r;
		try {
			r = await ctx.conn.request("cohort.list");
		} catch (e) {
			if (e.code !== "network")
				replace(list, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
			return;
		}
		list.removeAttribute("aria-busy");
		const cohorts = r.cohorts || [];
		if (!cohorts.length) {
			replace(list, h("p", {}, t("cohorts.none")));
			return;
		}
		replace(list, h("table", { class: "table", id: "cohort-table" },
			h("caption", { class: "sr-only" }, t("cohorts.yours")),
			h("thead", {}, h("tr", {},
				h("th", { scope: "col" }, t("cohorts.name")),
				h("th", { scope: "col" }, t("cohorts.code")),
				h("th", { scope: "col" }, t("cohorts.learners")),
				h("th", { scope: "col" }, h("span", { class: "sr-only" }, t("cohorts.actions"))))),
			h("tbody", {}, cohorts.map((c) => h("tr", { "data-cohort": c.id },
				h("th", { scope: "row" }, h("a", { href: `#/cohort/${encodeURIComponent(c.id)}` }, c.name)),
				h("td", { class: "mono code" }, c.code),
				h("td", {}, String(c.learners ?? 0)),
				h("td", {},
					h("a", { href: `#/cohort/${encodeURIComponent(c.id)}`, class: "button" },
						t("cohorts.open"), h("span", { class: "sr-only" }, `: ${c.name}`)), " ",
					h("a", { href: `#/cohort/${encodeURIComponent(c.id)}/cards`, class: "button" },
						t("cohorts.cards"), h("span", { class: "sr-only" }, `: ${c.name}`))))))));
	};

	form.addEventListener("submit", async (e) => {
		e.preventDefault();
		msg.textContent = "";
		const name = form.querySelector("#cohort-name").value.trim();
		if (!name)
			return;
		try {
			const r = await ctx.conn.request("cohort.create", { name });
			// The reply's own "id" field is also the request id echo (doc/PROTOCOL.md), so
			// find the new cohort by its join code in the list.
			let c = r.cohort && typeof r.cohort === "object" ? r.cohort : r;
			const all = await ctx.conn.request("cohort.list");
			c = (all.cohorts || []).find((x) => x.code === c.code) || c;
			form.reset();
			replace(created, h("p", { class: "ok" }, t("cohorts.created", { name: c.name }), " ",
				h("span", { class: "mono code", id: "new-code" }, c.code), " ",
				h("a", { href: `#/cohort/${encodeURIComponent(c.id)}` }, t("cohorts.open"))));
			await load();
		} catch (err) {
			msg.textContent = ctx.describe(err);
		}
	});
	return ctx.conn.onOpen(load);
}
