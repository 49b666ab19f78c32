// grid: an instructor's live view of one cohort. cohort.watch gives the learner x step grid,
// then the server pushes grid.update for every check or hint (never polled). Stuck learners
// are marked; columns sort; a learner's row opens their history, a lab reset and a new
// passphrase. The CSV export is a plain link to the server.

import { t, formatTime, lang } from "./i18n.js";
import { h, replace, ask } from "./dom.js";
import { gradesUrl } from "./api.js";

const MARK = { passed: "✓", failed: "✗", open: "·" };

function toDate(at) {
	if (at === undefined || at === null || at === "" || at === 0)
		return null;
	const d = typeof at === "number" ? new Date(at < 1e12 ? at * 1000 : at) : new Date(at);
	return isNaN(d) ? null : d;
}

function ago(at) {
	const d = toDate(at);
	if (!d)
		return t("grid.never");
	const s = Math.round((d.getTime() - Date.now()) / 1000);
	const rtf = new Intl.RelativeTimeFormat(lang(), { numeric: "auto" });
	if (Math.abs(s) < 60)
		return rtf.format(s, "second");
	if (Math.abs(s) < 3600)
		return rtf.format(Math.round(s / 60), "minute");
	if (Math.abs(s) < 86400)
		return rtf.format(Math.round(s / 3600), "hour");
	return rtf.format(Math.round(s / 86400), "day");
}

// What happened: an event kind ("pass", "fail", "hint", ...), or for a per-step summary
// ({passed, fails, hints}) the state and the counts.
function kindText(e) {
	if (e.kind) {
		const k = t(`detail.kind.${e.kind}`);
		return k === `detail.kind.${e.kind}` ? e.kind : k;
	}
	const parts = [t(e.passed ? "detail.kind.passed" : e.fails ? "detail.kind.failed" : "grid.state.open")];
	if (e.fails)
		parts.push(t("detail.fails", { n: e.fails }));
	if (e.hints)
		parts.push(t("detail.hints", { n: e.hints, cost: e.hint_cost || 0 }));
	return parts.join(", ");
}

// Time on step: from the learner's previous event on the same step (or their previous event
// at all, for the first one on a step) to this one.
function since(events, i) {
	const at = toDate(events[i].at);
	// Per-step summaries (no kind) carry only the last time: no duration can be told.
	if (!at || !events[i].kind)
		return "";
	let prev = null;
	for (let j = i - 1; j >= 0 && !prev; j--)
		if (events[j].lab === events[i].lab && events[j].step === events[i].step)
			prev = events[j];
	prev = prev || events[i - 1];
	const p = prev && toDate(prev.at);
	if (!p)
		return "";
	const min = Math.max(0, Math.round((at - p) / 60000));
	return t("detail.minutes", { n: min });
}

export function render(ctx, root, { cohort }) {
	document.body.classList.add("wide");
	const st = { labs: [], rows: new Map(), sort: { key: "name", dir: 1 }, onlyStuck: false, info: null };
	const title = h("h1", {}, t("grid.title"));
	const meta = h("p", { class: "meta" });
	const live = h("p", { class: "sr-only", role: "status", "aria-live": "polite", id: "grid-live" });
	const tableBox = h("div", { class: "grid-box", tabindex: "0", "aria-labelledby": "grid-h" },
		h("p", { class: "loading" }, t("loading")));
	const detail = h("section", { class: "panel detail", id: "detail", hidden: true, "aria-labelledby": "detail-h" });
	const stuckBox = h("input", { type: "checkbox", id: "only-stuck" });
	const csv = h("a", { class: "button", id: "csv", href: gradesUrl(cohort), download: `cohort-${cohort}-grades.csv` },
		t("grid.csv"));

	replace(root,
		h("p", { class: "crumbs" }, h("a", { href: "#/cohorts" }, t("grid.back"))),
		title, meta,
		h("div", { class: "toolbar" },
			csv,
			h("a", { class: "button", href: `#/cohort/${encodeURIComponent(cohort)}/cards` }, t("cohorts.cards")),
			h("label", { class: "check", for: "only-stuck" }, stuckBox, t("grid.onlystuck")),
			h("span", { class: "legend", "aria-hidden": "true" },
				`${MARK.passed} ${t("grid.passed")}  ${MARK.failed} ${t("grid.failed")}  ${MARK.open} ${t("grid.open")}`)),
		h("h2", { id: "grid-h", class: "sr-only" }, t("grid.table")),
		live, tableBox, detail);

	stuckBox.addEventListener("change", () => {
		st.onlyStuck = stuckBox.checked;
		draw();
	});

	function sorted() {
		const rows = [...st.rows.values()].filter((r) => !st.onlyStuck || r.stuck);
		const { key, dir } = st.sort;
		const val = (r) => key === "name" ? (r.display || String(r.user)).toLowerCase() :
			key === "score" ? (r.score || 0) :
			key === "activity" ? (toDate(r.last_activity)?.getTime() || 0) :
			key === "stuck" ? (r.stuck ? 1 : 0) :
			(r.steps && r.steps[key]) === "passed" ? 2 : (r.steps && r.steps[key]) === "failed" ? 1 : 0;
		return rows.sort((a, b) => {
			const x = val(a), y = val(b);
			return (x < y ? -1 : x > y ? 1 : 0) * dir ||
				String(a.display || a.user).localeCompare(String(b.display || b.user));
		});
	}

	function sortButton(key, label) {
		const active = st.sort.key === key;
		return h("button", {
			class: "sort", "data-sort": key,
			onclick: () => {
				st.sort = { key, dir: active ? -st.sort.dir : (key === "name" ? 1 : -1) };
				draw(key);
			},
		}, label, h("span", { "aria-hidden": "true" }, active ? (st.sort.dir > 0 ? " ▲" : " ▼") : ""));
	}

	function ariaSort(key) {
		return st.sort.key === key ? (st.sort.dir > 0 ? "ascending" : "descending") : null;
	}

	function stepCell(r, lab, step) {
		const key = `${lab.id}/${step}`;
		const s = (r.steps && r.steps[key]) || "none";
		return h("td", { class: `cell ${s}`, "data-key": key, "data-state": s },
			h("span", { "aria-hidden": "true" }, MARK[s] || ""),
			h("span", { class: "sr-only" }, t(`grid.state.${s}`)));
	}

	function rowEl(r) {
		return h("tr", { "data-user": r.user, class: r.stuck ? "stuck" : "" },
			h("th", { scope: "row" }, h("button", {
				class: "linklike learner", onclick: () => openDetail(r.user),
			}, r.display || r.user)),
			h("td", { class: "num score" }, String(r.score || 0)),
			h("td", { class: "activity" }, h("time", { datetime: toDate(r.last_activity)?.toISOString() || "" },
				ago(r.last_activity))),
			h("td", { class: "stuck-cell" }, r.stuck ? h("span", { class: "badge stuck" },
				typeof r.stuck === "string" ? t("grid.stuck.why", { why: r.stuck }) : t("grid.stuck")) : ""),
			st.labs.map((lab) => (lab.steps || []).map((step) => stepCell(r, lab, step))));
	}

	function draw(focusSort) {
		if (!st.rows.size) {
			replace(tableBox, h("p", {}, t("grid.empty", { code: st.info ? st.info.code : "" })));
			return;
		}
		const table = h("table", { class: "table grid", id: "grid" },
			h("caption", { class: "sr-only" }, t("grid.table")),
			h("thead", {},
				h("tr", {},
					h("td", { colspan: 4 }),
					st.labs.map((lab) => h("th", { scope: "colgroup", colspan: (lab.steps || []).length || 1, class: "lab-col" }, lab.title))),
				h("tr", {},
					h("th", { scope: "col", "aria-sort": ariaSort("name") }, sortButton("name", t("grid.learner"))),
					h("th", { scope: "col", "aria-sort": ariaSort("score") }, sortButton("score", t("grid.score"))),
					h("th", { scope: "col", "aria-sort": ariaSort("activity") }, sortButton("activity", t("grid.activity"))),
					h("th", { scope: "col", "aria-sort": ariaSort("stuck") }, sortButton("stuck", t("grid.stuckcol"))),
					st.labs.map((lab) => (lab.steps || []).map((step) => h("th", {
						scope: "col", class: "step-col", "aria-sort": ariaSort(`${lab.id}/${step}`),
					}, sortButton(`${lab.id}/${step}`, step)))))),
			h("tbody", {}, sorted().map(rowEl)));
		replace(tableBox, table);
		if (focusSort) {
			const b = table.querySelector(`button[data-sort="${CSS.escape(focusSort)}"]`);
			if (b)
				b.focus();
		}
	}

	function updateRow(r) {
		const before = st.rows.get(String(r.user));
		st.rows.set(String(r.user), r);
		const tbody = tableBox.querySelector("tbody");
		if (!tbody || !before) {
			draw();
		} else {
			const old = tbody.querySelector(`tr[data-user="${CSS.escape(String(r.user))}"]`);
			const fresh = rowEl(r);
			fresh.classList.add("flash");
			if (old) {
				const hadFocus = old.contains(document.activeElement);
				old.replaceWith(fresh);
				if (hadFocus)
					fresh.querySelector("button").focus();
			} else {
				tbody.appendChild(fresh);
			}
		}
		live.textContent = t("grid.updated", { name: r.display || r.user });
		if (st.detailUser === String(r.user)) {
			const sum = detail.querySelector(".detail-summary");
			if (sum)
				sum.textContent = t("detail.summary", { score: r.score || 0, when: ago(r.last_activity) });
			loadHistory(r.user);
		}
	}

	async function loadHistory(user) {
		const list = detail.querySelector(".history");
		if (!list)
			return;
		try {
			const r = await ctx.conn.request("learner.history", { cohort: st.cohortId, user });
			const events = r.events || [];
			replace(list, events.length ? h("table", { class: "table" },
				h("caption", { class: "sr-only" }, t("detail.history")),
				h("thead", {}, h("tr", {},
					["detail.when", "detail.lab", "detail.step", "detail.kind", "detail.points", "detail.feedback", "detail.onstep"]
						.map((k) => h("th", { scope: "col" }, t(k))))),
				h("tbody", {}, events.map((e, i) => {
					return h("tr", { class: `ev ${e.kind}` },
						h("td", {}, formatTime(e.at)),
						h("td", {}, e.lab), h("td", {}, e.step),
						h("td", {}, kindText(e)),
						h("td", { class: "num" }, e.points === undefined ? "" : String(e.points)),
						h("td", {}, [].concat(e.feedback || []).join(" ")),
						h("td", {}, since(events, i)));
				}))) : h("p", {}, t("detail.none")));
		} catch (e) {
			if (e.code !== "network")
				replace(list, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
		}
	}

	function openDetail(user) {
		const r = st.rows.get(String(user));
		if (!r)
			return;
		st.detailUser = String(user);
		const labSel = h("select", { id: "reset-lab" }, st.labs.map((l) => h("option", { value: l.id }, l.title)));
		const out = h("div", { role: "status", "aria-live": "polite", class: "detail-out" });
		detail.hidden = false;
		replace(detail,
			h("h2", { id: "detail-h", tabindex: "-1" }, t("detail.title", { name: r.display || r.user })),
			h("p", { class: "detail-summary" }, t("detail.summary", { score: r.score || 0, when: ago(r.last_activity) })),
			h("h3", {}, t("detail.history")),
			h("div", { class: "history" }, h("p", { class: "loading" }, t("loading"))),
			h("h3", {}, t("detail.actions")),
			h("div", { class: "field inline" },
				h("label", { for: "reset-lab" }, t("detail.reset.lab")), labSel,
				h("button", {
					id: "reset", disabled: st.labs.length === 0, onclick: async () => {
						const lab = st.labs.find((l) => l.id === labSel.value);
						const ok = await ask({
							title: t("detail.reset.title"),
							body: h("p", {}, t("detail.reset.confirm", { name: r.display || r.user, lab: lab ? lab.title : labSel.value })),
							buttons: [{ value: "cancel", label: t("cancel") }, { value: "ok", label: t("detail.reset"), primary: true }],
						});
						if (ok !== "ok")
							return;
						try {
							await ctx.conn.request("learner.reset", { cohort: st.cohortId, user, lab: labSel.value });
							replace(out, h("p", { class: "ok" }, t("detail.reset.done")));
						} catch (e) {
							replace(out, h("p", { class: "error" }, ctx.describe(e)));
						}
					},
				}, t("detail.reset"))),
			h("p", {}, h("button", {
				id: "new-pass", onclick: async () => {
					const ok = await ask({
						title: t("detail.pass.title"),
						body: h("p", {}, t("detail.pass.confirm", { name: r.display || r.user })),
						buttons: [{ value: "cancel", label: t("cancel") }, { value: "ok", label: t("detail.pass"), primary: true }],
					});
					if (ok !== "ok")
						return;
					try {
						const p = await ctx.conn.request("learner.passphrase", { cohort: st.cohortId, user });
						replace(out, h("p", {}, t("detail.pass.new"), " ", h("span", { class: "passphrase small" }, p.passphrase)));
					} catch (e) {
						replace(out, h("p", { class: "error" }, ctx.describe(e)));
					}
				},
			}, t("detail.pass"))),
			out,
			h("p", {}, h("button", {
				onclick: () => {
					detail.hidden = true;
					st.detailUser = null;
					const b = tableBox.querySelector(`tr[data-user="${CSS.escape(String(user))}"] button`);
					if (b)
						b.focus();
				},
			}, t("detail.close"))));
		detail.querySelector("h2").focus();
		loadHistory(user);
	}

	const offUpdate = ctx.conn.on("grid.update", (m) => {
		if (String(m.cohort) === String(st.cohortId ?? cohort) && m.learner)
			updateRow(m.learner);
	});

	// Refresh the "5 minutes ago" column now and then.
	const tick = setInterval(() => {
		for (const el of tableBox.querySelectorAll("tr[data-user] .activity time")) {
			const r = st.rows.get(el.closest("tr").dataset.user);
			if (r)
				el.textContent = ago(r.last_activity);
		}
	}, 30000);

	const offOpen = ctx.conn.onOpen(async () => {
		try {
			const list = await ctx.conn.request("cohort.list");
			st.info = (list.cohorts || []).find((c) => String(c.id) === String(cohort)) || null;
			if (st.info) {
				title.textContent = t("grid.titlefor", { name: st.info.name });
				document.title = `${title.textContent} · labhub`;
				replace(meta, t("grid.meta", { code: st.info.code }));
			}
			const numeric = /^\d+$/.test(cohort) ? Number(cohort) : cohort;
			const g = await ctx.conn.request("cohort.watch", { cohort: st.info ? st.info.id : numeric });
			st.cohortId = g.cohort;
			st.labs = g.labs || [];
			st.rows = new Map((g.learners || []).map((r) => [String(r.user), r]));
			draw();
		} catch (e) {
			if (e.code !== "network")
				replace(tableBox, h("p", { class: "error", role: "alert" }, ctx.describe(e)));
		}
	});
	return () => {
		offOpen();
		offUpdate();
		clearInterval(tick);
	};
}
