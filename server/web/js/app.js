// app: boot (catalogue, who am I, WebSocket), the header, and a hash router.
// Hash routes keep every page a static file for the server (index.html) and survive reloads:
//   #/                      sign in / join (or the user's home when signed in)
//   #/labs                  tracks and labs with progress
//   #/lab/ID                lab view: instructions, terminal, steps
//   #/cohorts               instructor: cohorts, create
//   #/cohort/ID             live grid
//   #/cohort/ID/cards       printable sign-in cards
//   #/admin                 admin

import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import * as api from "./api.js";
import { Conn } from "./conn.js";
import { h, replace, focusHeading } from "./dom.js";

const pages = {
	login: () => import("./login.js"),
	labs: () => import("./labs.js"),
	lab: () => import("./lab.js"),
	cohorts: () => import("./cohorts.js"),
	cohort: () => import("./grid.js"),
	cards: () => import("./cards.js"),
	admin: () => import("./admin.js"),
};

const ctx = {
	user: null,
	conn: new Conn(),
	navigate(hash) {
		if (location.hash === hash)
			route();
		else
			location.hash = hash;
	},
	home() {
		if (!ctx.user)
			return "#/";
		if (ctx.user.role === "admin")
			return "#/admin";
		if (ctx.user.role === "instructor")
			return "#/cohorts";
		return "#/labs";
	},
	// A sentence a person can act on for an error reply or a failed HTTP call.
	describe(err) {
		const code = (err && (err.code || (err.error && err.error.code))) || "internal";
		const message = (err && (err.message || (err.error && err.error.message))) || "";
		const known = t(`error.${code}`);
		const base = known === `error.${code}` ? t("error.internal") : known;
		// A lab problem carries a reference (LAB-...) the instructor finds in the log: that,
		// not the server's English sentence around it, is what the learner needs to pass on.
		const ref = /\bLAB-[A-Za-z0-9-]+/.exec(message);
		if (code === "lab_error" && ref)
			return `${base} ${t("error.reference", { ref: ref[0] })}`;
		return message && message !== base ? `${base} ${t("error.detail", { message })}` : base;
	},
	signedIn(user) {
		ctx.user = user;
		ctx.expired = false;
		renderHeader();
		ctx.conn.start();
	},
	async signOut() {
		ctx.conn.stop();
		await api.logout();
		ctx.user = null;
		renderHeader();
		ctx.navigate("#/");
	},
	setStatus(text, kind) {
		const el = document.getElementById("status");
		el.className = `status ${kind || ""}`;
		el.textContent = text || "";
	},
};

let cleanup = null;

function parseHash() {
	const parts = (location.hash || "#/").replace(/^#\/?/, "").split("/").filter(Boolean)
		.map(decodeURIComponent);
	if (parts.length === 0)
		return { page: "login", params: {} };
	if (parts[0] === "lab" && parts[1])
		return { page: "lab", params: { lab: parts[1] } };
	if (parts[0] === "cohort" && parts[1])
		return { page: parts[2] === "cards" ? "cards" : "cohort", params: { cohort: parts[1] } };
	if (pages[parts[0]])
		return { page: parts[0], params: {} };
	return { page: "notfound", params: {} };
}

async function route() {
	const main = document.getElementById("main");
	if (cleanup) {
		try {
			cleanup();
		} catch (e) {
			console.error(e);
		}
		cleanup = null;
	}
	document.body.classList.remove("wide", "print-view");
	if (ctx.expired) {
		renderExpired(main);
		return;
	}
	let { page, params } = parseHash();
	if (page === "login" && ctx.user) {
		ctx.navigate(ctx.home());
		return;
	}
	if (page !== "login" && !ctx.user) {
		sessionStorage.setItem("labhub.after", location.hash);
		page = "login";
	}
	if (page === "notfound") {
		replace(main, h("h1", {}, t("notfound.title")),
			h("p", {}, h("a", { href: ctx.home() }, t("notfound.home"))));
		focusHeading(main);
		return;
	}
	const mod = await pages[page]();
	replace(main);
	cleanup = mod.render(ctx, main, params) || null;
	document.title = `${main.querySelector("h1")?.textContent || ""} · labhub`;
	focusHeading(main);
	markNav(page);
}

function renderExpired(main) {
	replace(main, h("h1", {}, t("expired.title")),
		h("p", {}, t("expired.body")),
		h("p", {}, h("button", {
			class: "primary", onclick: () => {
				ctx.expired = false;
				ctx.user = null;
				renderHeader();
				ctx.navigate("#/");
			},
		}, t("expired.again"))));
	document.title = `${t("expired.title")} · labhub`;
	focusHeading(main);
}

function markNav(page) {
	for (const a of document.querySelectorAll("header nav a")) {
		if (a.dataset.page === page || (page === "lab" && a.dataset.page === "labs") ||
		    ((page === "cohort" || page === "cards") && a.dataset.page === "cohorts"))
			a.setAttribute("aria-current", "page");
		else
			a.removeAttribute("aria-current");
	}
}

function renderHeader() {
	const top = document.getElementById("top");
	const u = ctx.user;
	const links = [];
	if (u) {
		links.push(h("a", { href: "#/labs", "data-page": "labs" }, t("nav.labs")));
		if (u.role === "instructor" || u.role === "admin")
			links.push(h("a", { href: "#/cohorts", "data-page": "cohorts" }, t("nav.cohorts")));
		if (u.role === "admin")
			links.push(h("a", { href: "#/admin", "data-page": "admin" }, t("nav.admin")));
	}
	const langSel = h("select", {
		id: "lang", onchange: (e) => i18n.setLanguage(e.target.value),
	}, i18n.LANGS.map((l) => h("option", { value: l, selected: l === i18n.lang() }, t(`lang.${l}`))));
	replace(top,
		h("a", { class: "brand", href: u ? ctx.home() : "#/" }, "labhub"),
		h("nav", { "aria-label": t("nav.label") }, links),
		h("div", { class: "who" },
			h("label", { for: "lang", class: "sr-only" }, t("nav.language")), langSel,
			u ? h("span", { class: "user" }, t("nav.signedin", { name: u.display || u.name })) : null,
			u ? h("button", { onclick: () => ctx.signOut() }, t("nav.signout")) : null));
}

function watchConnection() {
	let shown = false;
	ctx.conn.addEventListener("state", (ev) => {
		const s = ev.detail.state;
		if (s === "reconnecting") {
			shown = true;
			ctx.setStatus(t("conn.lost"), "warn");
		} else if (s === "open" && shown) {
			shown = false;
			ctx.setStatus(t("conn.back"), "ok");
			setTimeout(() => {
				if (!shown)
					ctx.setStatus("");
			}, 4000);
		}
	});
	ctx.conn.on("session.expired", () => {
		ctx.conn.stop();
		ctx.expired = true;
		ctx.user = null;
		renderHeader();
		ctx.setStatus("");
		route();
	});
	// Errors pushed without a request: pages handle their own (msg.handled), the rest show
	// in the status line.
	ctx.conn.on("error", (msg) => setTimeout(() => {
		if (msg.handled)
			return;
		if (msg.code === "unauthenticated") {
			ctx.conn.stop();
			ctx.expired = true;
			ctx.user = null;
			renderHeader();
			route();
		} else {
			ctx.setStatus(ctx.describe(msg), "error");
		}
	}, 0));
}

async function boot() {
	await i18n.init();
	const skip = document.getElementById("skip");
	skip.textContent = t("nav.skip");
	skip.addEventListener("click", (e) => {
		e.preventDefault();
		document.getElementById("main").focus();
	});
	const r = await api.me();
	if (r.ok && r.data.user) {
		ctx.user = r.data.user;
		ctx.conn.start();
	}
	renderHeader();
	watchConnection();
	window.addEventListener("hashchange", route);
	await route();
}

window.labhub = ctx; // for the browser tests and for debugging from the console
boot().catch((e) => {
	console.error(e);
	document.getElementById("main").textContent = `labhub: ${e.message}`;
});
