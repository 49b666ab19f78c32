// terminal: xterm.js bound to the learner's cell over the WebSocket's binary frames.
// Keyboard input goes out as binary frames, output comes back as binary frames; the size
// follows the panel (fit addon) and is sent as cell.resize. F6 leaves the terminal, since
// Tab belongs to the shell (a keyboard-only user must never be trapped in it).

import { t } from "./i18n.js";

let xtermModule = null;

async function loadXterm() {
	if (!xtermModule) {
		const [x, fit] = await Promise.all([
			import("../vendor/xterm/xterm.js"),
			import("../vendor/xterm/addon-fit.js"),
		]);
		xtermModule = { Terminal: x.Terminal, FitAddon: fit.FitAddon };
	}
	return xtermModule;
}

export class LabTerminal {
	// container: an empty element that gets the terminal; onLeave: called on F6.
	constructor(conn, container, { onLeave, screenReader }) {
		this.conn = conn;
		this.container = container;
		this.onLeave = onLeave;
		this.screenReader = !!screenReader;
		this.term = null;
		this.size = { cols: 80, rows: 24 };
		this.encoder = new TextEncoder();
		this.disposers = [];
	}

	async open() {
		const { Terminal, FitAddon } = await loadXterm();
		const term = new Terminal({
			cursorBlink: true,
			convertEol: false,
			fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace",
			fontSize: 15,
			scrollback: 5000,
			screenReaderMode: this.screenReader,
			theme: { background: "#101418", foreground: "#e8e8e8", cursor: "#ffd866",
				selectionBackground: "#3a5a80" },
		});
		Terminal.strings.promptLabel = t("term.label");
		this.fit = new FitAddon();
		term.loadAddon(this.fit);
		term.open(this.container);
		this.term = term;
		term.attachCustomKeyEventHandler((e) => {
			if (e.key === "F6") {
				if (e.type === "keydown" && this.onLeave)
					this.onLeave(e.shiftKey);
				return false;
			}
			return true;
		});
		this.disposers.push(term.onData((d) => this.conn.sendBinary(this.encoder.encode(d))));
		this.disposers.push(term.onBinary((d) => {
			const b = new Uint8Array(d.length);
			for (let i = 0; i < d.length; i++)
				b[i] = d.charCodeAt(i) & 0xff;
			this.conn.sendBinary(b);
		}));
		this.disposers.push({ dispose: this.conn.onBinary((bytes) => term.write(bytes)) });
		const ro = new ResizeObserver(() => this.refit());
		ro.observe(this.container);
		this.disposers.push({ dispose: () => ro.disconnect() });
		this.refit(true);
	}

	refit(quiet) {
		if (!this.term || !this.container.offsetParent)
			return;
		try {
			this.fit.fit();
		} catch (e) {
			return;
		}
		const cols = this.term.cols, rows = this.term.rows;
		if (cols !== this.size.cols || rows !== this.size.rows) {
			this.size = { cols, rows };
			if (!quiet && this.attached)
				this.conn.send("cell.resize", { cols, rows });
		}
	}

	// cell.attach: resolves with cell.ready {attempt, fresh}; rejects with the error reply.
	async attach(attempt) {
		this.refit(true);
		this.attached = false;
		const r = await this.conn.request("cell.attach", { attempt, cols: this.size.cols, rows: this.size.rows });
		this.attached = true;
		return r;
	}

	detach() {
		if (this.attached)
			this.conn.send("cell.detach", {});
		this.attached = false;
	}

	note(text) {
		if (this.term)
			this.term.write(`\r\n\x1b[33m[${text}]\x1b[0m\r\n`);
	}

	setScreenReader(on) {
		this.screenReader = on;
		if (this.term)
			this.term.options.screenReaderMode = on;
	}

	focus() {
		if (this.term)
			this.term.focus();
	}

	dispose() {
		for (const d of this.disposers)
			d.dispose();
		this.disposers = [];
		if (this.term)
			this.term.dispose();
		this.term = null;
	}
}
