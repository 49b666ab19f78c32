// login: join a cohort with a code and a nickname (the passphrase is shown exactly once),
// sign in again with code + nickname + passphrase, or sign in with a user name (staff).

import { t } from "./i18n.js";
import * as api from "./api.js";
import { h, replace } from "./dom.js";

function field(id, label, attrs) {
	return h("div", { class: "field" },
		h("label", { for: id }, label),
		h("input", { id, name: id, required: true, ...attrs }));
}

function failure(ctx, r) {
	if (r.status === 429) {
		const s = parseInt(r.retryAfter || "", 10);
		return t("login.ratelimited", { n: isNaN(s) ? 30 : s });
	}
	if (r.status === 401)
		return t("login.bad");
	if (r.status === 0)
		return t("error.network");
	return ctx.describe(r.data);
}

function after(ctx) {
	const back = sessionStorage.getItem("labhub.after");
	sessionStorage.removeItem("labhub.after");
	ctx.navigate(back && back !== "#/" ? back : ctx.home());
}

// Wire a form: collect its inputs, call fn, show the failure in its alert line.
function wire(ctx, form, fn) {
	const msg = form.querySelector(".form-error");
	form.addEventListener("submit", async (e) => {
		e.preventDefault();
		const btn = form.querySelector("button[type=submit]");
		btn.disabled = true;
		msg.textContent = "";
		const values = Object.fromEntries(new FormData(form).entries());
		for (const k of Object.keys(values))
			values[k] = values[k].trim();
		try {
			const err = await fn(values);
			if (err) {
				msg.textContent = err;
				const first = form.querySelector("input");
				if (first)
					first.focus();
			}
		} finally {
			btn.disabled = false;
		}
	});
}

function showPassphrase(ctx, root, r, values) {
	ctx.signedIn(r.data.user);
	const pass = h("p", { class: "passphrase", id: "passphrase" }, r.data.passphrase);
	const copied = h("span", { class: "copied", role: "status" });
	replace(root,
		h("h1", {}, t("join.done.title", { name: r.data.user.display || values.nickname })),
		h("section", { class: "card once", "aria-labelledby": "pp-label" },
			h("h2", { id: "pp-label" }, t("join.done.passphrase")),
			pass,
			h("p", {}, t("join.done.once")),
			h("dl", { class: "remember" },
				h("dt", {}, t("join.code")), h("dd", { class: "mono" }, values.code),
				h("dt", {}, t("join.nickname")), h("dd", { class: "mono" }, values.nickname),
				h("dt", {}, t("join.done.passphrase")), h("dd", { class: "mono" }, r.data.passphrase)),
			h("p", { class: "buttons" },
				h("button", {
					onclick: async () => {
						try {
							await navigator.clipboard.writeText(r.data.passphrase);
							copied.textContent = t("join.done.copied");
						} catch (e) {
							copied.textContent = t("join.done.nocopy");
						}
					},
				}, t("join.done.copy")),
				h("button", { onclick: () => window.print() }, t("join.done.print")),
				copied),
			h("p", {}, h("button", { class: "primary", id: "continue", onclick: () => after(ctx) },
				t("join.done.continue")))));
	root.querySelector("h1").focus();
}

export function render(ctx, root) {
	const joinForm = h("form", { class: "card", id: "join-form", "aria-labelledby": "join-h", novalidate: false },
		h("h2", { id: "join-h" }, t("join.title")),
		h("p", { class: "hint" }, t("join.intro")),
		field("join-code", t("join.code"), { name: "code", autocomplete: "off", autocapitalize: "characters",
			spellcheck: "false", maxlength: 64 }),
		field("join-nickname", t("join.nickname"), { name: "nickname", autocomplete: "nickname",
			maxlength: 64 }),
		h("p", { class: "hint", id: "nick-hint" }, t("join.nickname.hint")),
		h("p", { class: "form-error", role: "alert" }),
		h("button", { type: "submit", class: "primary" }, t("join.submit")));
	joinForm.querySelector("#join-nickname").setAttribute("aria-describedby", "nick-hint");

	const againForm = h("form", { class: "card", id: "again-form", "aria-labelledby": "again-h" },
		h("h2", { id: "again-h" }, t("again.title")),
		field("again-code", t("join.code"), { name: "code", autocomplete: "off", spellcheck: "false", maxlength: 64 }),
		field("again-nickname", t("join.nickname"), { name: "nickname", autocomplete: "username", maxlength: 64 }),
		field("again-pass", t("again.passphrase"), { name: "password", type: "password",
			autocomplete: "current-password", maxlength: 256 }),
		h("p", { class: "form-error", role: "alert" }),
		h("button", { type: "submit", class: "primary" }, t("again.submit")));

	const staffForm = h("form", { class: "card", id: "login-form", "aria-labelledby": "login-h" },
		h("h2", { id: "login-h" }, t("login.title")),
		field("login-name", t("login.name"), { name: "name", autocomplete: "username", maxlength: 64 }),
		field("login-pass", t("login.password"), { name: "password", type: "password",
			autocomplete: "current-password", maxlength: 256 }),
		h("p", { class: "form-error", role: "alert" }),
		h("button", { type: "submit", class: "primary" }, t("login.submit")));

	replace(root,
		h("h1", {}, t("login.welcome")),
		h("p", { class: "lead" }, t("login.intro")),
		h("div", { class: "columns" }, joinForm, h("div", { class: "stack" }, againForm, staffForm)));

	wire(ctx, joinForm, async (v) => {
		const r = await api.join(v.code, v.nickname);
		if (!r.ok)
			return failure(ctx, r);
		showPassphrase(ctx, root, r, v);
		return null;
	});
	wire(ctx, againForm, async (v) => {
		const r = await api.login({ code: v.code, nickname: v.nickname, password: v.password });
		if (!r.ok)
			return failure(ctx, r);
		ctx.signedIn(r.data.user);
		after(ctx);
		return null;
	});
	wire(ctx, staffForm, async (v) => {
		const r = await api.login({ name: v.name, password: v.password });
		if (!r.ok)
			return failure(ctx, r);
		ctx.signedIn(r.data.user);
		after(ctx);
		return null;
	});
}
