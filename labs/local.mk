# labs: see Makefile.am
