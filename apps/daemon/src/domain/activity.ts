/**
 * Requests the protocol servers received (NFS calls, SMB frames), counted as they arrive: the
 * payload's background work waits while the count moves (payload/transfer/pacer.ts). A counter, not
 * a timestamp, so the request path pays one increment and no clock read.
 */
export interface RequestActivity {
  calls: number;
}

export const requestActivity: RequestActivity = { calls: 0 };
