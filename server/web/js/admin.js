// admin: a small overview for the administrator: the server, every cohort, the labs this
// server can run (and which tools the others miss). Users and roles are managed with
// `labhub user ...` until the protocol carries them (see doc/PROTOCOL.md).

import { t } from "./i18n.js";
import { h, replace } from "./dom.js";

export function render(ctx, root) {
	const server = h("dl", { class: "facts" });
	const cohorts = h("div", {}, h("p", { class: "loading" }, t("loading")));
	const labs = h("div", {}, h("p", { class: "loading" }, t("loading")));
	replace(root,
		h("h1", {}, t("admin.title")),
		h("section", { class: "card", "aria-labelledby": "adm-server" },
			h("h2", { id: "adm-server" }, t("admin.server")), server,
			h("p", { class: "hint" }, t("admin.users"))),
		h("section", { "aria-labelledby": "adm-cohorts" },
			h("h2", { id: "adm-cohorts" }, t("admin.cohorts")), cohorts,
			h("p", {}, h("a", { href: "#/cohorts", class: "button" }, t("admin.managecohorts")))),
		h("section", { "aria-labelledby": "adm-labs" }, h("h2", { id: "adm-labs" }, t("admin.labs")), labs));

	return ctx.conn.onOpen(async () => {
		const w = ctx.conn.welcome || {};
		const srv = w.server || {};
		replace(server, Object.entries(typeof srv === "object" ? srv : { version: srv })
			.map(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono" }, typeof v === "object" ? JSON.stringify(v) : String(v))]));
		try {
			const r = await ctx.conn.request("cohort.list");
			const list = r.cohorts || [];
			replace(cohorts, list.length ? h("table", { class: "table" },
				h("thead", {}, h("tr", {}, ["cohorts.name", "cohorts.code", "cohorts.learners"].map((k) => h("th", { scope: "col" }, t(k))))),
				h("tbody", {}, list.map((c) => h("tr", {},
					h("th", { scope: "row" }, h("a", { href: `#/cohort/${encodeURIComponent(c.id)}` }, c.name)),
					h("td", { class: "mono" }, c.code), h("td", {}, String(c.learners ?? 0)))))) :
				h("p", {}, t("cohorts.none")));
		} catch (e) {
			if (e.code !== "network")
				replace(cohorts, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
		}
		try {
			const r = await ctx.conn.request("labs.list");
			replace(labs, h("table", { class: "table" },
				h("thead", {}, h("tr", {}, ["admin.lab", "admin.available", "admin.missing"].map((k) => h("th", { scope: "col" }, t(k))))),
				h("tbody", {}, (r.labs || []).map((l) => h("tr", {},
					h("th", { scope: "row" }, l.title, " ", h("span", { class: "mono hint" }, l.id)),
					h("td", {}, l.available === false ? t("no") : t("yes")),
					h("td", { class: "mono" }, (l.missing || []).join(", ")))))));
		} catch (e) {
			if (e.code !== "network")
				replace(labs, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
		}
	});
}
