// dom: the one helper every page uses to build elements, so no page ever puts a string
// from the server or a learner into innerHTML (the only HTML we insert is the lab text the
// server rendered with cmark, raw HTML off, and that goes through setTrustedHtml below).

// h("button", {class: "primary", onclick: fn}, "text", child...) -> Element.
// Attributes: on* are listeners, `class`, `for`, aria-* and data-* are set as attributes,
// boolean false/null/undefined are left out, everything else is an attribute string.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === false || v === null || v === undefined)
			continue;
		if (k.startsWith("on") && typeof v === "function")
			el.addEventListener(k.slice(2), v);
		else if (k === "value" && "value" in el)
			el.value = v;
		else if (k === "checked" || k === "disabled" || k === "hidden")
			el[k] = !!v;
		else
			el.setAttribute(k, v === true ? "" : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

// Replace all children of el.
export function replace(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// Lab instructions arrive as HTML rendered by the server (cmark with raw HTML disabled).
// Its headings are demoted below the page's own (h1 -> h4 ...), so the outline a screen
// reader announces stays: page, panel, step, then the step's own sections.
export function setTrustedHtml(el, html) {
	el.innerHTML = html || "";
	for (const hd of el.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
		const level = Math.min(6, Number(hd.tagName[1]) + 3);
		const to = document.createElement(`h${level}`);
		to.replaceChildren(...hd.childNodes);
		hd.replaceWith(to);
	}
}

// A modal dialog that returns a promise of the button value ("ok"/"cancel"/...).
// Focus goes into the dialog and back to where it was when the dialog closes.
export function ask({ title, body, buttons }) {
	return new Promise((resolve) => {
		const back = document.activeElement;
		const dlg = h("dialog", { class: "dialog", "aria-labelledby": "dlg-title" },
			h("h2", { id: "dlg-title" }, title),
			h("div", { class: "dialog-body" }, body),
			h("form", { method: "dialog", class: "dialog-buttons" },
				buttons.map((b) => h("button", { value: b.value, class: b.primary ? "primary" : "",
					type: "submit" }, b.label))));
		dlg.addEventListener("close", () => {
			const v = dlg.returnValue || "cancel";
			dlg.remove();
			if (back && back.focus)
				back.focus();
			resolve(v);
		});
		document.body.appendChild(dlg);
		dlg.showModal();
		const first = dlg.querySelector("button.primary") || dlg.querySelector("button");
		if (first)
			first.focus();
	});
}

// Move focus to a page's main heading so screen readers announce the new page.
export function focusHeading(root) {
	const hd = root.querySelector("h1");
	if (hd) {
		hd.setAttribute("tabindex", "-1");
		hd.focus({ preventScroll: false });
	}
}
