/*
 * vm: the restricted Lua 5.4 state that lab scripts run in.  One vm per
 * `lab exec` process (or per unit test).  It loads text chunks only, exposes
 * an explicit library set (no io, os, package, debug, dofile, loadfile;
 * `load` refuses bytecode; `print` goes to stderr), counts every byte Lua
 * allocates against a cap, and counts instructions with a hook that, once
 * the budget or the wall-clock deadline is gone, raises an error on every
 * further instruction so that `pcall` inside the lab cannot swallow it.
 *
 * Single-threaded; the vm owns its lua_State.
 */
#ifndef LABHUB_LABS_VM_H
#define LABHUB_LABS_VM_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#define VM_DEFAULT_MEM_MAX ((size_t)32 << 20)	/* 32 MiB of Lua heap */
#define VM_DEFAULT_INSTR_MAX 200000000ULL	/* per vm_begin() */

struct vm_limits {
	size_t mem_max;		/* bytes; 0 = VM_DEFAULT_MEM_MAX */
	uint64_t instr_max;	/* instructions per vm_begin(); 0 = default */
	unsigned long fail_alloc_at; /* tests: fail the Nth and every later growing allocation; 0 = never */
};

/* Why the vm stopped the script (vm_stopped()). */
enum vm_stop { VM_RUNNING = 0, VM_STOP_INSTR, VM_STOP_CLOCK };

struct vm;

/* A fresh state with the restricted library set in its globals.  NULL when
 * even that cannot be allocated (fail_alloc_at in tests). */
struct vm *vm_new(const struct vm_limits *limits);
void vm_free(struct vm *vm);
lua_State *vm_lua(struct vm *vm);

/* Start a metered section: resets the instruction count and sets the
 * deadline to now + ms (0: no wall-clock limit). */
void vm_begin(struct vm *vm, unsigned ms);
/* Milliseconds left before the deadline (UINT32_MAX without one, 0 when over). */
unsigned vm_ms_left(const struct vm *vm);
/* Set once the budget or the deadline is gone; stays set until vm_begin(),
 * even if lab code returned normally (e.g. through a coroutine). */
enum vm_stop vm_stopped(const struct vm *vm);
/* Did the memory cap refuse an allocation since vm_begin()? */
int vm_mem_hit(const struct vm *vm);
const char *vm_stop_reason(enum vm_stop why);
size_t vm_mem_used(const struct vm *vm);
size_t vm_mem_max(const struct vm *vm);

/* Load a text chunk from BUF (not NUL-terminated necessarily) as NAME
 * ("@lab.lua").  Pushes the function, or an error message; returns the
 * lua_load status.  Bytecode is refused. */
int vm_load(struct vm *vm, const char *buf, size_t len, const char *name);
/* Read PATH (at most max bytes) and vm_load it.  On failure to read, pushes
 * a message and returns LUA_ERRFILE. */
int vm_load_file(struct vm *vm, const char *path, const char *name, size_t max);

#endif
