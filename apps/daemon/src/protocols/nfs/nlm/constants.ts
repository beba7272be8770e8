/** NLM v4 wire constants (Open Group XNFS "Network Lock Manager Protocol", version 4). */
export const NLM_V4 = 4;
/** LM_MAXSTRLEN, MAXNETOBJ_SZ */
export const LM_MAXSTRLEN = 1024;
export const MAXNETOBJ_SZ = 1024;

/** nlm4_stats */
export const NLM4_GRANTED = 0;
export const NLM4_DENIED = 1;
export const NLM4_DENIED_NOLOCKS = 2;
export const NLM4_BLOCKED = 3;
export const NLM4_DENIED_GRACE_PERIOD = 4;
export const NLM4_DEADLCK = 5;
export const NLM4_ROFS = 6;
export const NLM4_STALE_FH = 7;
export const NLM4_FBIG = 8;
export const NLM4_FAILED = 9;

export const NLMPROC4_NULL = 0;
export const NLMPROC4_TEST = 1;
export const NLMPROC4_LOCK = 2;
export const NLMPROC4_CANCEL = 3;
export const NLMPROC4_UNLOCK = 4;
export const NLMPROC4_GRANTED = 5;
export const NLMPROC4_FREE_ALL = 23;

/** Blocked lock requests waiting at once (all clients); beyond this LOCK answers DENIED_NOLOCKS. */
export const MAX_BLOCKED_LOCKS = 1024;
/** How long a GRANTED callback may take (portmap lookup + call). */
export const GRANTED_CALLBACK_TIMEOUT_MS = 5_000;
