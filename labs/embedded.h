/*
 * embedded: Lua sources compiled into the binary (the API prelude and the
 * labkit modules), generated from the .lua files under labs/ by labs/embed.sh.
 */
#ifndef LABHUB_LABS_EMBEDDED_H
#define LABHUB_LABS_EMBEDDED_H

struct embedded_lua {
	const char *name;	/* "prelude", "labkit.zone", ... */
	const char *src;
};

extern const struct embedded_lua labs_embedded[];	/* ends with { 0, 0 } */

#endif
