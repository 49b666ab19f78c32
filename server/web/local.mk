# server/web: front-end assets (see doc/PROTOCOL.md).
#
# The browser gets plain ES modules, one stylesheet and the message catalogues, all served by
# labhub itself; xterm.js and its fit addon come from node_modules (npm ci, package-lock.json)
# and are copied in at build time, never fetched at run time and never committed.
#
# `make` stages the complete web tree in $(top_builddir)/web/ (what `labhub serve --web DIR`
# wants, e.g. --web build/web); `make install` puts the same tree in $(pkgdatadir)/web:
#   index.html style.css js/*.js i18n/*.json
#   vendor/xterm/{xterm.js,xterm.css,addon-fit.js,LICENSE.xterm,LICENSE.addon-fit}
# (the ES module builds, lib/*.mjs, renamed to .js so that any static server, labhub's
# included, sends them as text/javascript; their source-map comment is dropped: no maps shipped)
# Without node_modules the vendor files are stubs that make the page say "run npm ci".

WEB_TOP = server/web/index.html server/web/style.css
WEB_JS = \
	server/web/js/app.js server/web/js/i18n.js server/web/js/dom.js \
	server/web/js/api.js server/web/js/conn.js \
	server/web/js/login.js server/web/js/labs.js server/web/js/lab.js \
	server/web/js/terminal.js server/web/js/cohorts.js server/web/js/grid.js \
	server/web/js/cards.js server/web/js/admin.js
WEB_I18N = server/web/i18n/en.json server/web/i18n/de.json
WEB_VENDOR = xterm.js xterm.css addon-fit.js LICENSE.xterm LICENSE.addon-fit

webdir = $(pkgdatadir)/web
web_DATA = $(WEB_TOP:server/web/%=web/%)
webjsdir = $(webdir)/js
webjs_DATA = $(WEB_JS:server/web/%=web/%)
webi18ndir = $(webdir)/i18n
webi18n_DATA = $(WEB_I18N:server/web/%=web/%)
webvendordir = $(webdir)/vendor/xterm
webvendor_DATA = $(WEB_VENDOR:%=web/vendor/xterm/%)
WEB_STAGED = $(web_DATA) $(webjs_DATA) $(webi18n_DATA) $(webvendor_DATA)

EXTRA_DIST += $(WEB_TOP) $(WEB_JS) $(WEB_I18N) server/web/.gitignore
clean-local: clean-web
clean-web:
	-rm -rf web web-stamp web-stamp.tmp

# Where the vendor files come from: node_modules first, else server/web/vendor/ (a dist
# tarball carries them there, see dist-hook below).
XTERM_FROM = $(srcdir)/node_modules/@xterm/xterm
FIT_FROM = $(srcdir)/node_modules/@xterm/addon-fit

# One stamp copies the whole tree (multiple outputs, automake manual 27.9).
web-stamp: $(WEB_TOP) $(WEB_JS) $(WEB_I18N) $(srcdir)/package-lock.json
	@rm -f web-stamp.tmp && touch web-stamp.tmp
	$(AM_V_at)$(MKDIR_P) web/js web/i18n web/vendor/xterm
	$(AM_V_GEN)for f in $(WEB_TOP) $(WEB_JS) $(WEB_I18N); do \
		cp "$(srcdir)/$$f" "web/$${f#server/web/}" || exit 1; \
	done
	$(AM_V_at)set -e; v=web/vendor/xterm; \
	copy() { if test -f "$$1"; then sed '/^\/\/# sourceMappingURL=/d' "$$1" > "$$v/$$3"; \
		elif test -f "$(srcdir)/server/web/vendor/xterm/$$3"; then \
			cp "$(srcdir)/server/web/vendor/xterm/$$3" "$$v/$$3"; \
		else echo "server/web: $$1 missing (run npm ci): $$3 is a stub" >&2; \
			printf '%s\n' "$$2" > "$$v/$$3"; fi; }; \
	stub='export class Terminal { constructor() { throw new Error("xterm.js is not installed: run npm ci, then make"); } }'; \
	copy $(XTERM_FROM)/lib/xterm.mjs "$$stub" xterm.js; \
	copy $(XTERM_FROM)/css/xterm.css '/* xterm.js missing */' xterm.css; \
	copy $(FIT_FROM)/lib/addon-fit.mjs 'export class FitAddon { }' addon-fit.js; \
	copy $(XTERM_FROM)/LICENSE 'xterm.js missing' LICENSE.xterm; \
	copy $(FIT_FROM)/LICENSE 'addon-fit missing' LICENSE.addon-fit
	@mv -f web-stamp.tmp web-stamp

$(WEB_STAGED): web-stamp
	@test -f $@ || { rm -f web-stamp; $(MAKE) $(AM_MAKEFLAGS) web-stamp; }

# A dist tarball has no node_modules: ship the (MIT-licensed) vendor files inside it.
dist-hook: dist-web-vendor
dist-web-vendor: web-stamp
	$(MKDIR_P) $(distdir)/server/web/vendor/xterm
	cp web/vendor/xterm/* $(distdir)/server/web/vendor/xterm/

# `labhub serve --web server/web` straight from the source tree (scripts/dev up): copy the
# vendor files into the (gitignored) server/web/vendor/.
web-srcdir: web-stamp
	$(MKDIR_P) $(srcdir)/server/web/vendor/xterm
	cp web/vendor/xterm/* $(srcdir)/server/web/vendor/xterm/

.PHONY: clean-web dist-web-vendor web-srcdir

# Browser tests (playwright-core + Debian's chromium against a real labhub serve).
TESTS += tests/browser/run.sh
EXTRA_DIST += tests/browser/run.sh tests/browser/lib.mjs tests/browser/learner.test.mjs \
	tests/browser/instructor.test.mjs tests/browser/keyboard.test.mjs \
	tests/browser/errors.test.mjs tests/browser/i18n.test.mjs
