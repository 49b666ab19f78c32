/*
 * tracks: curriculum/tracks/<id>.lua, an ordered list of labs with the
 * objective each serves, for one audience.  Loaded in the same restricted
 * VM as labs; `labhub lab tracks` prints them (table or JSON for the
 * server) and fails when a track names a lab that does not exist.
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "labs/exec.h"
#include "labs/vm.h"
#include "server/cli.h"

int lab_tracks_main(int argc, char **argv);
json_t *lab_tracks_load(const char *curriculum, int *errors, FILE *err);

static const char track_prelude[] =
    "local out = ...\n"
    "local aud = { youth = true, university = true, industry = true }\n"
    "function track(t)\n"
    "  if type(t) ~= 'table' then error('track { ... } expects a table', 2) end\n"
    "  if type(t.id) ~= 'string' or not t.id:match('^[a-z0-9][a-z0-9-]*$') then error('track.id must be a lowercase id', 2) end\n"
    "  if type(t.title) ~= 'string' or t.title == '' then error('track.title must be a string', 2) end\n"
    "  if not aud[t.audience] then error('track.audience must be youth, university or industry', 2) end\n"
    "  if type(t.labs) ~= 'table' then error('track.labs must be a list', 2) end\n"
    "  local labs = {}\n"
    "  for i, l in ipairs(t.labs) do\n"
    "    if type(l) ~= 'table' or type(l.lab) ~= 'string' or type(l.objective) ~= 'string' then\n"
    "      error('track.labs[' .. i .. '] must be { lab = \"id\", objective = \"...\" }', 2)\n"
    "    end\n"
    "    labs[i] = { lab = l.lab, objective = l.objective }\n"
    "  end\n"
    "  out[#out + 1] = { id = t.id, title = t.title, audience = t.audience, summary = t.summary, labs = labs }\n"
    "end\n";

static json_t *
str_field(lua_State *L, int idx, const char *k)
{
	const char *s;
	size_t len;
	json_t *j;

	lua_getfield(L, idx, k);
	s = lua_tolstring(L, -1, &len);
	j = s != NULL ? lab_json_text(s, len) : json_null();
	lua_pop(L, 1);
	return j;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All tracks as a JSON array; *errors counts problems (reported on ERR). */
json_t *
lab_tracks_load(const char *curriculum, int *errors, FILE *err)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], lab[PATH_MAX * 2], *names[256];
	json_t *all = json_array();
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	*errors = 0;
	snprintf(dir, sizeof dir, "%s/tracks", curriculum);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(err, "no tracks folder %s\n", dir);
		(*errors)++;
		return all;
	}
	while ((de = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] != '.' && l > 4 && strcmp(de->d_name + l - 4, ".lua") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (i = 0; i < n; i++) {
		struct vm *vm = vm_new(NULL);
		lua_State *L;
		size_t t, l;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (vm == NULL) {
			(*errors)++;
			continue;
		}
		L = vm_lua(vm);
		vm_begin(vm, 5000);
		lua_newtable(L);
		if (luaL_loadbufferx(L, track_prelude, sizeof track_prelude - 1, "=track-prelude", "t") != LUA_OK ||
		    (lua_pushvalue(L, -2), lua_pcall(L, 1, 0, 0)) != LUA_OK ||
		    vm_load_file(vm, path, names[i], 1 << 20) != LUA_OK || lua_pcall(L, 0, 0, 0) != LUA_OK) {
			fprintf(err, "%s: %s\n", path, lua_tostring(L, -1));
			(*errors)++;
			vm_free(vm);
			continue;
		}
		for (t = 1; t <= lua_rawlen(L, 1); t++) {
			json_t *tr = json_object(), *labs = json_array();

			lua_rawgeti(L, 1, (lua_Integer)t);
			json_object_set_new(tr, "id", str_field(L, -1, "id"));
			json_object_set_new(tr, "title", str_field(L, -1, "title"));
			json_object_set_new(tr, "audience", str_field(L, -1, "audience"));
			json_object_set_new(tr, "summary", str_field(L, -1, "summary"));
			lua_getfield(L, -1, "labs");
			for (l = 1; l <= lua_rawlen(L, -1); l++) {
				struct stat st;
				json_t *id;

				lua_rawgeti(L, -1, (lua_Integer)l);
				id = str_field(L, -1, "lab");
				json_array_append_new(labs, json_pack("{s:o, s:o}", "lab", id,
				    "objective", str_field(L, -1, "objective")));
				snprintf(lab, sizeof lab, "%s/labs/%s/lab.lua", curriculum, json_string_value(id));
				if (stat(lab, &st) < 0) {
					fprintf(err, "%s: lab '%s' does not exist (no %s)\n", path,
					    json_string_value(id), lab);
					(*errors)++;
				}
				lua_pop(L, 1);
			}
			lua_pop(L, 2);
			json_object_set_new(tr, "labs", labs);
			json_array_append_new(all, tr);
		}
		vm_free(vm);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return all;
}

int
lab_tracks_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, as_json = 0, errors;
	json_t *all;
	size_t i, l;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j')
			as_json = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr,
			    "usage: labhub lab tracks [--json] CURRICULUM_DIR\n\n"
			    "Lists the tracks in CURRICULUM_DIR/tracks/*.lua and checks that every lab they\n"
			    "name exists in CURRICULUM_DIR/labs/.  Exit 1 on any problem.\n");
			return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "labhub lab tracks: need the curriculum folder (try --help)\n");
		return EXIT_USAGE;
	}
	all = lab_tracks_load(argv[optind], &errors, stderr);
	if (as_json) {
		json_t *w = json_pack("{s:o}", "tracks", all);

		json_dumpf(w, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(w);
	} else {
		for (i = 0; i < json_array_size(all); i++) {
			json_t *t = json_array_get(all, i), *labs = json_object_get(t, "labs");

			printf("%s (%s): %s\n", json_string_value(json_object_get(t, "id")),
			    json_string_value(json_object_get(t, "audience")),
			    json_string_value(json_object_get(t, "title")));
			for (l = 0; l < json_array_size(labs); l++)
				printf("  %2zu. %-24s %s\n", l + 1,
				    json_string_value(json_object_get(json_array_get(labs, l), "lab")),
				    json_string_value(json_object_get(json_array_get(labs, l), "objective")));
		}
		json_decref(all);
	}
	return errors ? 1 : 0;
}
