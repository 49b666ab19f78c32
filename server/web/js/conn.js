// conn: the one WebSocket (/ws, subprotocol labhub.v1) of doc/PROTOCOL.md.
//
// Text frames are JSON requests and replies matched by `id`, plus server pushes
// (grid.update, cell.exit, session.expired, errors without id). Binary frames are terminal
// bytes. The socket reconnects by itself with backoff; every time it is (re)opened it says
// hello and then runs the pages' onOpen callbacks, which re-attach the cell or re-watch a
// cohort: that is how a reload or a network drop resumes where the learner was.

import * as api from "./api.js";

const REQUEST_TIMEOUT_MS = 20000;

export class Conn extends EventTarget {
	constructor() {
		super();
		this.ws = null;
		this.nextId = 1;
		this.pending = new Map();
		this.handlers = new Map();
		this.openHooks = new Set();
		this.binaryHandler = null;
		this.state = "closed";
		this.wanted = false;
		this.backoff = 500;
		this.everOpened = false;
		this.welcome = null;
	}

	start() {
		this.wanted = true;
		if (!this.ws)
			this.connect();
	}

	stop() {
		this.wanted = false;
		clearTimeout(this.retryTimer);
		if (this.ws)
			this.ws.close(1000);
	}

	setState(s, detail) {
		this.state = s;
		this.dispatchEvent(new CustomEvent("state", { detail: { state: s, ...detail } }));
	}

	connect() {
		const proto = location.protocol === "https:" ? "wss:" : "ws:";
		let ws;
		try {
			ws = new WebSocket(`${proto}//${location.host}/ws`, "labhub.v1");
		} catch (e) {
			this.scheduleRetry();
			return;
		}
		ws.binaryType = "arraybuffer";
		this.ws = ws;
		let opened = false;
		this.setState("connecting");
		ws.onopen = async () => {
			opened = true;
			this.everOpened = true;
			this.backoff = 500;
			try {
				this.welcome = await this.request("hello");
			} catch (e) {
				return;
			}
			this.setState("open");
			for (const hook of this.openHooks)
				hook();
		};
		ws.onmessage = (ev) => this.receive(ev.data);
		ws.onclose = async (ev) => {
			this.ws = null;
			for (const [, p] of this.pending)
				p.reject({ code: "network", message: "" });
			this.pending.clear();
			if (!this.wanted) {
				this.setState("closed");
				return;
			}
			// An upgrade refused with 403 never opens: find out whether we are signed out.
			if (!opened || ev.code === 1008) {
				const r = await api.me();
				if (r.status === 401) {
					this.wanted = false;
					this.setState("closed");
					this.emit("session.expired", {});
					return;
				}
			}
			this.setState("reconnecting", { code: ev.code });
			this.scheduleRetry();
		};
	}

	scheduleRetry() {
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => {
			if (this.wanted && !this.ws)
				this.connect();
		}, this.backoff);
		this.backoff = Math.min(this.backoff * 2, 8000);
	}

	receive(data) {
		if (typeof data !== "string") {
			if (this.binaryHandler)
				this.binaryHandler(new Uint8Array(data));
			return;
		}
		let msg;
		try {
			msg = JSON.parse(data);
		} catch (e) {
			return;
		}
		if (msg.id !== undefined && this.pending.has(msg.id)) {
			const p = this.pending.get(msg.id);
			this.pending.delete(msg.id);
			clearTimeout(p.timer);
			if (msg.type === "error")
				p.reject(msg);
			else
				p.resolve(msg);
			return;
		}
		this.emit(msg.type, msg);
	}

	emit(type, msg) {
		for (const fn of this.handlers.get(type) || [])
			fn(msg);
	}

	// on("grid.update", fn) -> function that removes the handler.
	on(type, fn) {
		if (!this.handlers.has(type))
			this.handlers.set(type, new Set());
		this.handlers.get(type).add(fn);
		return () => this.handlers.get(type).delete(fn);
	}

	// Run fn now if the socket is open, and again after every reconnect.
	onOpen(fn) {
		this.openHooks.add(fn);
		if (this.state === "open")
			fn();
		return () => this.openHooks.delete(fn);
	}

	onBinary(fn) {
		this.binaryHandler = fn;
		return () => {
			if (this.binaryHandler === fn)
				this.binaryHandler = null;
		};
	}

	// request("lab.open", {lab: "hello-shell"}) -> Promise of the reply; rejects with the
	// error message ({type:"error", code, message, field}) or {code:"network"}.
	request(type, fields) {
		return new Promise((resolve, reject) => {
			if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
				reject({ code: "network", message: "" });
				return;
			}
			const id = this.nextId++;
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject({ code: "timeout", message: "" });
			}, REQUEST_TIMEOUT_MS);
			this.pending.set(id, { resolve, reject, timer });
			this.ws.send(JSON.stringify({ type, id, ...fields }));
		});
	}

	// A message without a reply (cell.resize, cell.detach).
	send(type, fields) {
		if (this.ws && this.ws.readyState === WebSocket.OPEN)
			this.ws.send(JSON.stringify({ type, ...fields }));
	}

	sendBinary(bytes) {
		if (this.ws && this.ws.readyState === WebSocket.OPEN)
			this.ws.send(bytes);
	}
}
