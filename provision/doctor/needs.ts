/**
 * Rough resources each provider needs, for lab:doctor's RAM and disk checks.
 * Measured or documented figures, rounded up; change them here only.
 */

/** Host memory to keep for itself beyond the VMs' `memory` (MB). */
export const HOST_RESERVE_MB = 1024;
/** One worker process (~112 MB RSS with the lab's heap caps, npm run bench) plus headroom (MB). */
export const STANDIN_WORKER_MB = 160;
/** Redis + the mini site on the master of a stand-in or local lab (MB). */
export const STANDIN_MASTER_MB = 256;

/** Disk (MB): the Bento box once, plus a linked clone per VM that grows with packages. */
export const VAGRANT_BOX_MB = 2048;
export const VAGRANT_PER_NODE_MB = 2560;
/** Disk (MB): the debootstrap cache (206 MB) plus one copy per node. */
export const NETNS_ROOTFS_MB = 256;
/** Disk (MB): the crawler copies, Redis data and logs of a local lab. */
export const LOCAL_MB = 200;
