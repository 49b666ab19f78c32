// api: the HTTP half of doc/PROTOCOL.md (sign in, join, sign out, who am I).
// Every call resolves to {ok, status, data}; data.error is {code, message} on failure.

async function call(method, path, body) {
	let r;
	try {
		r = await fetch(path, {
			method,
			credentials: "same-origin",
			headers: body ? { "Content-Type": "application/json" } : {},
			body: body ? JSON.stringify(body) : undefined,
		});
	} catch (e) {
		return { ok: false, status: 0, data: { error: { code: "network", message: "" } } };
	}
	let data = {};
	try {
		data = await r.json();
	} catch (e) {
		data = {};
	}
	if (!r.ok && !data.error)
		data.error = { code: r.status === 401 ? "unauthenticated" : "internal", message: "" };
	return { ok: r.ok, status: r.status, data, retryAfter: r.headers.get("Retry-After") };
}

export const me = () => call("GET", "/api/me");
export const login = (body) => call("POST", "/api/login", body);
export const join = (code, nickname) => call("POST", "/api/join", { code, nickname });
export const logout = () => call("POST", "/api/logout", {});
export const gradesUrl = (cohort) => `/api/cohorts/${encodeURIComponent(cohort)}/grades.csv`;
