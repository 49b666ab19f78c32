# curriculum/: lab folders and tracks (no C).  Installed as a tree under
# $(pkgdatadir)/curriculum (LABHUB_LABSDIR); lab folders are discovered at
# run time, so a new lab needs no change here.
curriculumdir = $(pkgdatadir)/curriculum

EXTRA_DIST += curriculum tests/labs

install-data-local: install-curriculum
install-curriculum:
	$(MKDIR_P) '$(DESTDIR)$(curriculumdir)'
	cd '$(srcdir)/curriculum' && find labs tracks -type d -exec $(MKDIR_P) '$(DESTDIR)$(curriculumdir)/{}' ';'
	cd '$(srcdir)/curriculum' && find labs tracks -type f -exec $(INSTALL_DATA) '{}' '$(DESTDIR)$(curriculumdir)/{}' ';'
	cd '$(srcdir)/curriculum' && find labs -type f -perm -u+x -exec chmod 0755 '$(DESTDIR)$(curriculumdir)/{}' ';'

uninstall-local:
	rm -rf '$(DESTDIR)$(curriculumdir)'

# Every lab must be solvable and reject its broken attempts (runs cells).
TESTS += tests/labs/curriculum.sh tests/labs/authoring.sh tests/labs/cell-exec.sh \
	tests/labs/dnssec-validators.sh tests/labs/dnssec-bind-tools.sh
.PHONY: install-curriculum

# tests/labs is shipped as a directory; in a build tree where `make check`
# ran, that directory also holds the test logs, which must not be shipped.
dist-hook:
	find '$(distdir)/tests/labs' '$(distdir)/curriculum' \( -name '*.log' -o -name '*.trs' \) -exec rm -f '{}' +
