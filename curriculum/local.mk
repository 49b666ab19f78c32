# curriculum: see Makefile.am
