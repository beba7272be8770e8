/** ONC RPC v2 wire constants, names verbatim from RFC 5531 §9 and §8.2. */

export const RPC_VERSION = 2;

/** msg_type */
export const CALL = 0;
export const REPLY = 1;

/** reply_stat */
export const MSG_ACCEPTED = 0;
export const MSG_DENIED = 1;

/** accept_stat */
export const SUCCESS = 0;
export const PROG_UNAVAIL = 1;
export const PROG_MISMATCH = 2;
export const PROC_UNAVAIL = 3;
export const GARBAGE_ARGS = 4;
export const SYSTEM_ERR = 5;

/** reject_stat */
export const RPC_MISMATCH = 0;
export const AUTH_ERROR = 1;

/** auth_stat */
export const AUTH_OK = 0;
export const AUTH_BADCRED = 1;
export const AUTH_REJECTEDCRED = 2;
export const AUTH_BADVERF = 3;
export const AUTH_REJECTEDVERF = 4;
export const AUTH_TOOWEAK = 5;

/** auth_flavor (RFC 5531 §8.2, AUTH_SYS in Appendix A) */
export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

/** RFC 5531 §8.2: opaque_auth body is at most 400 bytes. */
export const MAX_AUTH_BYTES = 400;
/** RFC 5531 Appendix A: machinename<255>, gids<16>. */
export const MAX_MACHINE_NAME_BYTES = 255;
export const MAX_AUTH_SYS_GIDS = 16;

/** Program numbers multiplexed on the NFS port, and the portmapper. */
export const PMAP_PROGRAM = 100000;
export const NFS_PROGRAM = 100003;
export const MOUNT_PROGRAM = 100005;
export const NLM_PROGRAM = 100021;
