/** fattr4 attribute numbers (RFC 8881 §5.6–5.8, RFC 7862 §12.2) this server reads or writes. */
export const FATTR4_SUPPORTED_ATTRS = 0;
export const FATTR4_TYPE = 1;
export const FATTR4_FH_EXPIRE_TYPE = 2;
export const FATTR4_CHANGE = 3;
export const FATTR4_SIZE = 4;
export const FATTR4_LINK_SUPPORT = 5;
export const FATTR4_SYMLINK_SUPPORT = 6;
export const FATTR4_NAMED_ATTR = 7;
export const FATTR4_FSID = 8;
export const FATTR4_UNIQUE_HANDLES = 9;
export const FATTR4_LEASE_TIME = 10;
export const FATTR4_RDATTR_ERROR = 11;
export const FATTR4_CANSETTIME = 15;
export const FATTR4_CASE_INSENSITIVE = 16;
export const FATTR4_CASE_PRESERVING = 17;
export const FATTR4_CHOWN_RESTRICTED = 18;
export const FATTR4_FILEHANDLE = 19;
export const FATTR4_FILEID = 20;
export const FATTR4_FILES_AVAIL = 21;
export const FATTR4_FILES_FREE = 22;
export const FATTR4_FILES_TOTAL = 23;
export const FATTR4_HOMOGENEOUS = 26;
export const FATTR4_MAXFILESIZE = 27;
export const FATTR4_MAXLINK = 28;
export const FATTR4_MAXNAME = 29;
export const FATTR4_MAXREAD = 30;
export const FATTR4_MAXWRITE = 31;
export const FATTR4_MODE = 33;
export const FATTR4_NO_TRUNC = 34;
export const FATTR4_NUMLINKS = 35;
export const FATTR4_OWNER = 36;
export const FATTR4_OWNER_GROUP = 37;
export const FATTR4_RAWDEV = 41;
export const FATTR4_SPACE_AVAIL = 42;
export const FATTR4_SPACE_FREE = 43;
export const FATTR4_SPACE_TOTAL = 44;
export const FATTR4_SPACE_USED = 45;
export const FATTR4_TIME_ACCESS = 47;
export const FATTR4_TIME_ACCESS_SET = 48;
export const FATTR4_TIME_CREATE = 50;
export const FATTR4_TIME_DELTA = 51;
export const FATTR4_TIME_METADATA = 52;
export const FATTR4_TIME_MODIFY = 53;
export const FATTR4_TIME_MODIFY_SET = 54;
export const FATTR4_MOUNTED_ON_FILEID = 55;
/** v4.1: attributes an EXCLUSIVE4_1 create may set besides the verifier (RFC 8881 §5.8.1.14). */
export const FATTR4_SUPPATTR_EXCLCREAT = 75;

/** Every attribute GETATTR answers, v4.0 (suppattr_exclcreat is added for 4.1+). */
export const SUPPORTED_ATTRS_V40: readonly number[] = [
  FATTR4_SUPPORTED_ATTRS,
  FATTR4_TYPE,
  FATTR4_FH_EXPIRE_TYPE,
  FATTR4_CHANGE,
  FATTR4_SIZE,
  FATTR4_LINK_SUPPORT,
  FATTR4_SYMLINK_SUPPORT,
  FATTR4_NAMED_ATTR,
  FATTR4_FSID,
  FATTR4_UNIQUE_HANDLES,
  FATTR4_LEASE_TIME,
  FATTR4_RDATTR_ERROR,
  FATTR4_CANSETTIME,
  FATTR4_CASE_INSENSITIVE,
  FATTR4_CASE_PRESERVING,
  FATTR4_CHOWN_RESTRICTED,
  FATTR4_FILEHANDLE,
  FATTR4_FILEID,
  FATTR4_FILES_AVAIL,
  FATTR4_FILES_FREE,
  FATTR4_FILES_TOTAL,
  FATTR4_HOMOGENEOUS,
  FATTR4_MAXFILESIZE,
  FATTR4_MAXLINK,
  FATTR4_MAXNAME,
  FATTR4_MAXREAD,
  FATTR4_MAXWRITE,
  FATTR4_MODE,
  FATTR4_NO_TRUNC,
  FATTR4_NUMLINKS,
  FATTR4_OWNER,
  FATTR4_OWNER_GROUP,
  FATTR4_RAWDEV,
  FATTR4_SPACE_AVAIL,
  FATTR4_SPACE_FREE,
  FATTR4_SPACE_TOTAL,
  FATTR4_SPACE_USED,
  FATTR4_TIME_ACCESS,
  FATTR4_TIME_ACCESS_SET,
  FATTR4_TIME_CREATE,
  FATTR4_TIME_DELTA,
  FATTR4_TIME_METADATA,
  FATTR4_TIME_MODIFY,
  FATTR4_TIME_MODIFY_SET,
  FATTR4_MOUNTED_ON_FILEID,
];

/** Attributes SETATTR, CREATE and OPEN may set; any other supported one is NFS4ERR_INVAL. */
export const WRITABLE_ATTRS: readonly number[] = [
  FATTR4_SIZE,
  FATTR4_MODE,
  FATTR4_OWNER,
  FATTR4_OWNER_GROUP,
  FATTR4_TIME_ACCESS_SET,
  FATTR4_TIME_CREATE,
  FATTR4_TIME_MODIFY_SET,
];

/**
 * What an EXCLUSIVE4_1 create may set with the verifier: not the times, which hold the verifier
 * on the file as NFSv3 exclusive create keeps it (metadata create "exclusive").
 */
export const EXCLCREAT_ATTRS: readonly number[] = [
  FATTR4_SIZE,
  FATTR4_MODE,
  FATTR4_OWNER,
  FATTR4_OWNER_GROUP,
];
