/*
 * workspace: the image form of a learner's workspace (sandbox/README.md,
 * "Workspace size").  With real root and loop devices, the workspace
 * directory DIR is backed by a sparse ext4 image DIR.img of exactly the
 * workspace cap, next to it (never inside it: the learner must not be able
 * to write the bytes of a filesystem the host kernel mounts).  The image is
 * attached to a loop device and mounted once per supervisor process as a
 * detached mount (fsopen/fsmount, nosuid,nodev); every cell gets a clone of
 * that mount (open_tree(OPEN_TREE_CLONE)), which its child moves to
 * /home/learner.  Loop device and mount stay attached while the supervisor
 * keeps the workspace (a few idle ones are cached), so a cell start costs
 * one open_tree() and one move_mount().
 *
 * One supervisor at a time: the image file is flock()ed while it is
 * attached (the lock lives on the file the loop device holds, so it lasts
 * until the kernel detached it).  Two ext4 mounts of one image from two
 * loop devices would corrupt it.
 *
 * Called from cell.c on the supervisor's loop (no threads).  mkfs.ext4
 * runs on first use only (and to migrate a directory workspace into its
 * new image: mkfs.ext4 -d); it is bounded by the cap (tens of ms for 64M).
 */
#ifndef LABHUB_SANDBOX_WORKSPACE_H
#define LABHUB_SANDBOX_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>

struct workspace;

/* e2fsprogs; overridable with $LABHUB_MKFS_EXT4 (tests). */
#define WORKSPACE_MKFS "/usr/sbin/mkfs.ext4"
#define WORKSPACE_E2FSCK "/usr/sbin/e2fsck"	/* $LABHUB_E2FSCK */
#define WORKSPACE_RESIZE2FS "/usr/sbin/resize2fs"	/* $LABHUB_RESIZE2FS */
#define WORKSPACE_MIN_IMAGE (1u << 20)	/* smaller caps get an image of this size */
#define WORKSPACE_CACHE_IDLE 16		/* idle workspaces kept attached per process */

/*
 * 1 when image workspaces can be used by this process (root, /dev/loop-control,
 * ext4 mountable, mkfs.ext4 present); 0 with the reason in why.
 */
int workspace_image_available(char *why, size_t whylen);

/*
 * Attach the image of the workspace directory `dir` (create it, or
 * migrate the directory's files into a new one, on first use; grow it
 * when `cap` is larger than the image), owned at its root by host uid
 * `owner` (-1: leave).  On success returns 0, *mntfd a detached mount of
 * it for one cell (the caller moves it, or closes it) and *ws a reference
 * to release with workspace_release() once that cell ended.  Returns 1
 * when images are not available here (why in err; the caller may fall
 * back to the directory), -1 on any other error (err says what).
 */
int workspace_attach(const char *dir, uint64_t cap, long owner, struct workspace **ws,
    int *mntfd, char *err, size_t errlen);

/* Drop a reference; NULL is fine.  The last idle ones stay cached. */
void workspace_release(struct workspace *ws);

/*
 * Remove DIR.img if there is one: refused (-1, EBUSY) while a cell of this
 * process uses it or another process holds it attached.  Never follows a
 * symlink (a link at DIR.img is removed as a link).  0 when there was none.
 */
int workspace_remove_image(const char *dir);

/*
 * cell.c's hook: for spec->workspace_image != CELL_WS_DIR, attach the image
 * and hand its mount to the child (x->ws_mnt_fd; x->ws_path = NULL so the
 * directory is not bound), or, when images are not available and AUTO was
 * asked, set CELL_DEGRADED_WS_PER_FILE in x->degraded and say so at the end
 * of `text`.  *ws: the reference for cell_stop().  0 or -1 with err.
 */
struct contain_ctx;
struct cell_spec;
int workspace_for_cell(const struct cell_spec *spec, struct contain_ctx *x,
    struct workspace **ws, char *text, size_t textlen, char *err, size_t errlen);

/* Detach every idle cached workspace of this process (tests, shutdown). */
void workspace_flush(void);


#endif
