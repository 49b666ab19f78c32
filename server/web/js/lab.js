// lab: the learner's lab view. Instructions and steps (Check, answers, hints with their cost
// confirmed first, the last feedback) beside a real terminal in the learner's cell.
// Resume: lab.open gives the attempt and the stored state of every step; cell.attach
// re-attaches the live shell, or starts a fresh cell with the workspace intact. Both are
// repeated after every reconnect of the WebSocket.

import { t } from "./i18n.js";
import { h, replace, setTrustedHtml, ask } from "./dom.js";
import { LabTerminal } from "./terminal.js";

const SR_KEY = "labhub.screenreader";

// Feedback comes as a list of lines or as one text with newlines.
function lines(feedback) {
	if (feedback === undefined || feedback === null)
		return [];
	return [].concat(feedback).flatMap((s) => String(s).split("\n")).map((s) => s.trim()).filter((s) => s.length);
}

// Points given up for the hints taken on a step (the server takes them off when it passes).
function spent(step) {
	return (step.hints || []).filter((x) => x.taken).reduce((sum, x) => sum + (x.cost || 0), 0);
}

function choicesOf(step) {
	return step.choices || (step.question && step.question.choices) || null;
}

export function render(ctx, root, { lab: labId }) {
	document.body.classList.add("wide");
	const state = { attempt: null, lab: null, score: 0, expanded: new Set(), feedback: {}, busy: new Set(), answers: {} };
	const scoreEl = h("span", { id: "score", class: "score", "aria-live": "polite" });
	const stepsEl = h("ol", { class: "steps", id: "steps" });
	const labError = h("div", { class: "lab-error", role: "alert" });
	const termBox = h("div", { class: "term", id: "terminal" });
	const termMsg = h("div", { class: "term-msg", id: "term-msg", role: "status", "aria-live": "polite" });
	const srToggle = h("input", { type: "checkbox", id: "sr-mode", checked: localStorage.getItem(SR_KEY) === "1" });
	const title = h("h1", {}, t("lab.loading"));

	const stepsPanel = h("section", { class: "panel steps-panel", "aria-labelledby": "steps-h", id: "steps-panel" },
		h("h2", { id: "steps-h" }, t("lab.steps")), labError, stepsEl);
	const termPanel = h("section", { class: "panel term-panel", "aria-labelledby": "term-h" },
		h("div", { class: "term-bar" },
			h("h2", { id: "term-h" }, t("lab.terminal")),
			h("span", { class: "hint", id: "term-keys" }, t("lab.terminal.keys")),
			h("label", { class: "check", for: "sr-mode" }, srToggle, t("lab.terminal.sr"))),
		termMsg, termBox);

	replace(root,
		h("div", { class: "lab-head" },
			h("p", { class: "crumbs" }, h("a", { href: "#/labs" }, t("lab.back"))),
			title,
			h("p", { class: "score-line" }, t("lab.score"), " ", scoreEl),
			// One column (narrow window or zoomed in): the terminal is below the steps.
			h("button", { class: "to-term", onclick: () => {
				termPanel.scrollIntoView({ block: "start" });
				term.focus();
			} }, t("lab.toterminal"))),
		h("div", { class: "lab-grid" }, stepsPanel, termPanel));

	const term = new LabTerminal(ctx.conn, termBox, {
		screenReader: srToggle.checked,
		onLeave: () => focusCurrentStep(),
	});
	termBox.setAttribute("aria-describedby", "term-keys");
	srToggle.addEventListener("change", () => {
		localStorage.setItem(SR_KEY, srToggle.checked ? "1" : "0");
		term.setScreenReader(srToggle.checked);
	});

	function setScore(n) {
		state.score = n || 0;
		scoreEl.textContent = t("points", { n: state.score });
	}

	function currentStep() {
		const steps = state.lab ? state.lab.steps : [];
		return steps.find((s) => s.state === "open") || steps[steps.length - 1];
	}

	function focusCurrentStep() {
		const s = currentStep();
		const el = s && (stepsEl.querySelector(`[data-step="${CSS.escape(s.id)}"] .step-action`) ||
			stepsEl.querySelector(`[data-step="${CSS.escape(s.id)}"] .step-toggle`));
		(el || stepsPanel.querySelector("h2")).focus();
	}

	// F6 outside the terminal goes into it (and from the terminal back to the steps).
	const onKey = (e) => {
		if (e.key === "F6" && !termBox.contains(e.target)) {
			e.preventDefault();
			term.focus();
		}
	};
	document.addEventListener("keydown", onKey);

	function feedbackBlock(step) {
		const fb = state.feedback[step.id];
		if (!fb)
			return h("div", { class: "feedback", role: "status", "aria-live": "polite" });
		const cls = fb.kind === "passed" ? "ok" : fb.kind === "error" ? "error" : "warn";
		const head = fb.kind === "passed" ? t("lab.passed", { n: fb.points || 0 }) :
			fb.kind === "error" ? fb.text : fb.kind === "last" ? t("lab.lastfeedback") : t("lab.notyet");
		return h("div", { class: `feedback ${cls}`, role: "status", "aria-live": "polite" },
			h("p", { class: "feedback-head" }, head),
			fb.lines && fb.lines.length ? h("ul", {}, fb.lines.map((l) => h("li", {}, l))) : null,
			fb.next ? h("button", { class: "primary next-step", onclick: () => openStep(fb.next, true) },
				t("lab.next")) : null);
	}

	function hintsBlock(step) {
		// Once a step is passed, hints not taken are no longer offered (they could only cost).
		const hints = (step.hints || []).map((x, i) => ({ ...x, i }))
			.filter((x) => step.state !== "passed" || x.taken);
		if (!hints.length)
			return null;
		return h("div", { class: "hints" },
			h("h4", {}, t("lab.hints")),
			h("ol", {}, hints.map(({ i, ...hint }) => h("li", { class: "hint-item", value: i + 1 },
				hint.taken && hint.text ?
					h("p", { class: "hint-text" }, hint.text) :
					h("button", {
						class: hint.taken ? "hint-button taken" : "hint-button",
						disabled: step.state === "locked" || state.busy.has(`hint-${step.id}-${i}`),
						onclick: () => takeHint(step, i),
					}, hint.taken ? t("lab.hint.again", { i: i + 1 }) :
						t("lab.hint.take", { i: i + 1, n: hint.cost || 0 }))))));
	}

	function answerForm(step) {
		const busy = state.busy.has(step.id);
		const disabled = step.state === "locked" || busy;
		const label = step.state === "passed" ? t("lab.check.again") : t("lab.answer.submit");
		const form = h("form", { class: "answer" });
		const choices = choicesOf(step);
		if (choices && choices.length) {
			form.appendChild(h("fieldset", {},
				h("legend", {}, t("lab.answer")),
				choices.map((c, i) => h("div", { class: "choice" },
					h("input", { type: "radio", name: `answer-${step.id}`, id: `ans-${step.id}-${i}`, value: c,
						disabled, required: true, checked: state.answers[step.id] === c }),
					h("label", { for: `ans-${step.id}-${i}` }, c)))));
		} else {
			form.appendChild(h("div", { class: "field" },
				h("label", { for: `ans-${step.id}` }, t("lab.answer")),
				h("input", { id: `ans-${step.id}`, name: `answer-${step.id}`, disabled, required: true,
					autocomplete: "off", maxlength: 4000, value: state.answers[step.id] || "" })));
		}
		form.appendChild(h("button", { type: "submit", class: "primary step-action", disabled }, busy ? t("lab.checking") : label));
		// Keep what was typed or chosen when the list is redrawn (after a check, a hint...).
		form.addEventListener("input", (e) => {
			state.answers[step.id] = e.target.value;
		});
		form.addEventListener("submit", (e) => {
			e.preventDefault();
			const v = new FormData(form).get(`answer-${step.id}`);
			if (v !== null && String(v).trim() !== "")
				check(step, String(v));
		});
		return form;
	}

	function stepItem(step, index) {
		const open = state.expanded.has(step.id);
		const bodyId = `step-body-${step.id}`;
		const badge = t(`lab.state.${step.state}`);
		const busy = state.busy.has(step.id);
		const li = h("li", { class: `step ${step.state}`, "data-step": step.id, "data-state": step.state });
		li.appendChild(h("h3", { class: "step-title" },
			h("button", {
				class: "step-toggle", "aria-expanded": open ? "true" : "false", "aria-controls": bodyId,
				onclick: () => {
					if (state.expanded.has(step.id))
						state.expanded.delete(step.id);
					else
						state.expanded.add(step.id);
					redraw(step.id);
				},
			},
			h("span", { class: "step-num" }, `${index + 1}.`), " ", step.title,
			h("span", { class: `badge ${step.state}` }, badge),
			h("span", { class: "step-points" }, t("points", { n: step.points || 0 }),
				spent(step) ? ` ${t("lab.step.spent", { n: spent(step) })}` : ""))));
		const body = h("div", { class: "step-body", id: bodyId, hidden: !open });
		if (step.state === "locked") {
			body.appendChild(h("p", { class: "hint" }, t("lab.locked")));
		}
		const text = h("div", { class: "instructions" });
		setTrustedHtml(text, step.html);
		body.appendChild(text);
		if (step.kind === "question")
			body.appendChild(answerForm(step));
		else
			body.appendChild(h("p", {}, h("button", {
				class: "primary step-action", disabled: step.state === "locked" || busy,
				onclick: () => check(step),
			}, busy ? t("lab.checking") : step.state === "passed" ? t("lab.check.again") : t("lab.check"))));
		body.appendChild(feedbackBlock(step));
		const hints = hintsBlock(step);
		if (hints)
			body.appendChild(hints);
		li.appendChild(body);
		return li;
	}

	// Redraw the step list; keep focus on the same control of the same step.
	function redraw(focusStep, selector) {
		const active = document.activeElement;
		let keep = null;
		if (active && stepsEl.contains(active)) {
			const li = active.closest("[data-step]");
			keep = { step: li && li.dataset.step, cls: active.classList[0] };
		}
		replace(stepsEl, (state.lab ? state.lab.steps : []).map(stepItem));
		const want = focusStep ? { step: focusStep, cls: selector || (keep && keep.step === focusStep ? keep.cls : "step-toggle") } : keep;
		if (want && want.step) {
			const li = stepsEl.querySelector(`[data-step="${CSS.escape(want.step)}"]`);
			const el = li && (li.querySelector(`.${want.cls}:not([disabled])`) || li.querySelector(".step-toggle"));
			if (el)
				el.focus();
		}
	}

	function openStep(id, focus) {
		state.expanded.add(id);
		redraw(focus ? id : null, "step-toggle");
		const li = stepsEl.querySelector(`[data-step="${CSS.escape(id)}"]`);
		if (li)
			li.scrollIntoView({ block: "nearest" });
	}

	async function check(step, answer) {
		state.busy.add(step.id);
		redraw();
		let r;
		try {
			r = await ctx.conn.request("check", answer === undefined ?
				{ attempt: state.attempt, step: step.id } : { attempt: state.attempt, step: step.id, answer });
		} catch (e) {
			state.busy.delete(step.id);
			state.feedback[step.id] = { kind: "error", text: ctx.describe(e) };
			redraw(step.id, "feedback");
			return;
		}
		state.busy.delete(step.id);
		setScore(r.score);
		state.feedback[step.id] = { kind: r.passed ? "passed" : "failed", lines: lines(r.feedback),
			points: r.points, next: r.passed && r.next ? r.next : null };
		if (r.passed) {
			step.state = "passed";
			const next = r.next && state.lab.steps.find((s) => s.id === r.next);
			if (next && next.state === "locked")
				next.state = "open";
		}
		redraw(step.id, r.passed && r.next ? "next-step" : "step-action");
	}

	async function takeHint(step, index) {
		const hint = step.hints[index];
		// A hint already paid for is shown again without asking (the server does not charge twice).
		const answer = hint.taken ? "ok" : await ask({
			title: t("lab.hint.confirm.title"),
			body: h("p", {}, t("lab.hint.confirm", { n: hint.cost || 0, score: state.score })),
			buttons: [{ value: "cancel", label: t("cancel") },
				{ value: "ok", label: t("lab.hint.confirm.ok", { n: hint.cost || 0 }), primary: true }],
		});
		if (answer !== "ok")
			return;
		const key = `hint-${step.id}-${index}`;
		state.busy.add(key);
		try {
			const r = await ctx.conn.request("hint", { attempt: state.attempt, step: step.id, index });
			hint.taken = true;
			hint.text = r.text;
			setScore(r.score);
		} catch (e) {
			state.feedback[step.id] = { kind: "error", text: ctx.describe(e) };
		}
		state.busy.delete(key);
		redraw(step.id, "hint-text");
	}

	function showTermError(text, retry) {
		replace(termMsg, h("div", { class: "error", role: "alert" },
			h("p", {}, text),
			retry ? h("button", { onclick: retry, class: "primary", id: "term-retry" }, t("lab.terminal.retry")) : null));
	}

	async function attach() {
		replace(termMsg, h("p", { class: "hint" }, t("lab.terminal.starting")));
		try {
			const r = await term.attach(state.attempt);
			replace(termMsg);
			if (r.fresh && state.attachedOnce)
				term.note(t("lab.terminal.fresh"));
			state.attachedOnce = true;
		} catch (e) {
			if (e.code === "network")
				return;
			// No answer at all to cell.attach: to the learner that is a terminal that did not start.
			showTermError(ctx.describe(e.code === "timeout" ? { code: "cell_failed" } : e), () => attach());
		}
	}

	const offExit = ctx.conn.on("cell.exit", (m) => {
		if (m.attempt !== undefined && m.attempt !== state.attempt)
			return;
		term.attached = false;
		showTermError(t("lab.terminal.ended", { message: m.message || "" }), () => attach());
	});
	// The same lab opened in another window or tab took the shell over.
	const offDetached = ctx.conn.on("cell.detached", (m) => {
		if (m.attempt !== undefined && m.attempt !== state.attempt)
			return;
		term.attached = false;
		replace(termMsg, h("div", { class: "error", role: "alert" },
			h("p", {}, t("lab.terminal.elsewhere")),
			h("button", { onclick: () => attach(), class: "primary", id: "term-retry" }, t("lab.terminal.here"))));
	});
	// Pushed errors about this lab's cell: it could not start, or the lab's setup failed.
	const offError = ctx.conn.on("error", (m) => {
		if (m.code === "cell_failed") {
			m.handled = true;
			term.attached = false;
			showTermError(ctx.describe(m), () => attach());
		} else if (m.code === "lab_error") {
			m.handled = true;
			replace(labError, h("p", {}, ctx.describe(m)));
		}
	});

	async function load() {
		let r;
		try {
			r = await ctx.conn.request("lab.open", { lab: labId });
		} catch (e) {
			if (e.code === "network")
				return;
			title.textContent = t("lab.cannot");
			replace(labError, h("p", {}, ctx.describe(e)), h("p", {}, h("a", { href: "#/labs" }, t("lab.back"))));
			return;
		}
		const first = !state.lab;
		state.attempt = r.attempt;
		state.lab = r.lab;
		title.textContent = r.lab.title;
		document.title = `${r.lab.title} · labhub`;
		setScore(r.score);
		for (const s of r.lab.steps) {
			const fb = lines(s.feedback);
			if (fb.length && !state.feedback[s.id])
				state.feedback[s.id] = { kind: s.state === "passed" ? "passed" : "last", lines: fb, points: s.points };
		}
		if (first) {
			const cur = currentStep();
			if (cur)
				state.expanded.add(cur.id);
		}
		redraw();
		if (!term.term) {
			try {
				await term.open();
			} catch (e) {
				showTermError(t("error.xterm", { message: e.message }));
				return;
			}
		}
		await attach();
	}

	const offOpen = ctx.conn.onOpen(load);
	return () => {
		offOpen();
		offExit();
		offDetached();
		offError();
		document.removeEventListener("keydown", onKey);
		term.detach();
		term.dispose();
	};
}
