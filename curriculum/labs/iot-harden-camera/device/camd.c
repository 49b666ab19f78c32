/* camd: the LumiCam LC-200 camera daemon (a stand-in for the vendor's video and cloud agent).
 *
 * The lab compiles it at setup time without exploit mitigations, the way the vendor did:
 *   gcc -O1 -fno-pie -no-pie -fno-stack-protector -U_FORTIFY_SOURCE -Wl,-z,norelro -Wl,-z,lazy -o camd camd.c
 * and the learner rebuilds it with them (see steps/09-label.md).
 * It is never run by the lab's checks; `camd --selftest` lets a learner run their own build. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define CAMD_ID "LumiCam camd 2.0.4"

/* Parses "key=value" lines of a config file; a fixed-size stack buffer, as in the vendor's code. */
static int config_get(const char *path, const char *key, char *out, size_t outlen)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		if (strcmp(line, key) == 0) {
			eq[strcspn(eq + 1, "\r\n") + 1] = '\0';
			snprintf(out, outlen, "%s", eq + 1);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	char url[128];
	const char *conf = argc > 2 ? argv[2] : "/etc/camera/cloud.conf";

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts(CAMD_ID);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--selftest") == 0) {
		if (!config_get(conf, "cloud_url", url, sizeof url))
			snprintf(url, sizeof url, "(no cloud_url in %s)", conf);
		printf("%s: cloud endpoint %s\n", CAMD_ID, url);
		return 0;
	}
	fprintf(stderr, "usage: camd --version | --selftest [CONFIG]\n");
	return 2;
}
