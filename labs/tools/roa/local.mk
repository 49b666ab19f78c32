# labs/tools/roa: labhub-roa, the ROA tool of the RPKI lab (curriculum/labs/rpki-roa).
# It only needs OpenSSL; installed next to labhub so cells see it under /usr
# (in PATH), and linked from $(pkglibexecdir) so that cells also find it next
# to labhub-full, the program they bind, as /run/labhub/labhub-roa (for a
# prefix outside /usr).
bin_PROGRAMS += labhub-roa
install-exec-hook:
	$(MKDIR_P) '$(DESTDIR)$(pkglibexecdir)'
	rm -f '$(DESTDIR)$(pkglibexecdir)/labhub-roa'
	$(LN_S) '$(bindir)/labhub-roa' '$(DESTDIR)$(pkglibexecdir)/labhub-roa'
uninstall-hook:
	rm -f '$(DESTDIR)$(pkglibexecdir)/labhub-roa'
labhub_roa_SOURCES = labs/tools/roa/roa.c labs/tools/roa/roa_asn1.c labs/tools/roa/roa_asn1.h
labhub_roa_CFLAGS = $(WARN_CFLAGS) $(DEBUG_CFLAGS) $(OPENSSL_CFLAGS)
labhub_roa_LDADD = $(OPENSSL_LIBS)

# check_roa: RFC 9582 / RFC 9286 encodings of tricky prefixes (unit suite);
# tests/roa/rpki-client.sh: generated ROAs judged by the real rpki-client;
if HAVE_CHECK
check_PROGRAMS += tests/check_roa
TESTS += tests/check_roa
tests_check_roa_SOURCES = tests/check_roa.c labs/tools/roa/roa_asn1.c labs/tools/roa/roa_asn1.h
tests_check_roa_CFLAGS = $(WARN_CFLAGS) $(DEBUG_CFLAGS) $(OPENSSL_CFLAGS) $(CHECK_CFLAGS)
tests_check_roa_LDADD = $(OPENSSL_LIBS) $(CHECK_LIBS)
endif
# tests/roa/lab-agreement.sh: the RPKI lab's verdicts agree with rpki-client's.
TESTS += tests/roa/rpki-client.sh tests/roa/lab-agreement.sh
EXTRA_DIST += tests/roa/rpki-client.sh tests/roa/lab-agreement.sh
