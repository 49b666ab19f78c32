# sandbox: see Makefile.am
