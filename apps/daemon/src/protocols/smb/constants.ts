/**
 * MS-SMB2 wire constants, spec names verbatim. Section numbers refer to [MS-SMB2] unless noted.
 */

/** §2.2.1: ProtocolId of every SMB2 header. */
export const SMB2_PROTOCOL_ID = 0x424d53fe;
export const SMB2_HEADER_SIZE = 64;

/** §2.2.1.2 Command codes. */
export const SMB2_NEGOTIATE = 0x0000;
export const SMB2_SESSION_SETUP = 0x0001;
export const SMB2_LOGOFF = 0x0002;
export const SMB2_TREE_CONNECT = 0x0003;
export const SMB2_TREE_DISCONNECT = 0x0004;
export const SMB2_CREATE = 0x0005;
export const SMB2_CLOSE = 0x0006;
export const SMB2_FLUSH = 0x0007;
export const SMB2_READ = 0x0008;
export const SMB2_WRITE = 0x0009;
export const SMB2_LOCK = 0x000a;
export const SMB2_IOCTL = 0x000b;
export const SMB2_CANCEL = 0x000c;
export const SMB2_ECHO = 0x000d;
export const SMB2_QUERY_DIRECTORY = 0x000e;
export const SMB2_CHANGE_NOTIFY = 0x000f;
export const SMB2_QUERY_INFO = 0x0010;
export const SMB2_SET_INFO = 0x0011;
export const SMB2_OPLOCK_BREAK = 0x0012;

/** §2.2.1.2 Flags. */
export const SMB2_FLAGS_SERVER_TO_REDIR = 0x00000001;
export const SMB2_FLAGS_ASYNC_COMMAND = 0x00000002;
export const SMB2_FLAGS_RELATED_OPERATIONS = 0x00000004;
export const SMB2_FLAGS_SIGNED = 0x00000008;
export const SMB2_FLAGS_REPLAY_OPERATION = 0x20000000;

/** §2.2.3 Dialects. */
export const SMB2_DIALECT_202 = 0x0202;
export const SMB2_DIALECT_210 = 0x0210;
export const SMB2_DIALECT_300 = 0x0300;
export const SMB2_DIALECT_302 = 0x0302;
export const SMB2_DIALECT_311 = 0x0311;
export const SUPPORTED_DIALECTS = [
  SMB2_DIALECT_311,
  SMB2_DIALECT_302,
  SMB2_DIALECT_300,
  SMB2_DIALECT_210,
  SMB2_DIALECT_202,
] as const;

/** §2.2.3 SecurityMode. */
export const SMB2_NEGOTIATE_SIGNING_ENABLED = 0x0001;
export const SMB2_NEGOTIATE_SIGNING_REQUIRED = 0x0002;

/** §2.2.3 Capabilities. */
export const SMB2_GLOBAL_CAP_DFS = 0x00000001;
export const SMB2_GLOBAL_CAP_LEASING = 0x00000002;
export const SMB2_GLOBAL_CAP_LARGE_MTU = 0x00000004;
export const SMB2_GLOBAL_CAP_MULTI_CHANNEL = 0x00000008;
export const SMB2_GLOBAL_CAP_DIRECTORY_LEASING = 0x00000020;
/** §2.2.3: the 3.0/3.0.2 encryption capability (3.1.1 negotiates ciphers in a context instead). */
export const SMB2_GLOBAL_CAP_ENCRYPTION = 0x00000040;

/** §2.2.3.1 Negotiate context types. */
export const SMB2_PREAUTH_INTEGRITY_CAPABILITIES = 0x0001;
export const SMB2_ENCRYPTION_CAPABILITIES = 0x0002;
export const SMB2_SIGNING_CAPABILITIES = 0x0008;
export const SHA_512 = 0x0001;
/** §2.2.3.1.7 SigningAlgorithms (also §3.3.1.7 Connection.SigningAlgorithmId for 2.x/3.0). */
export const SIGNING_ALG_HMAC_SHA256 = 0x0000;
export const SIGNING_ALG_AES_CMAC = 0x0001;
export const SIGNING_ALG_AES_GMAC = 0x0002;

/** §2.2.6 SessionFlags. */
export const SMB2_SESSION_FLAG_IS_GUEST = 0x0001;
export const SMB2_SESSION_FLAG_IS_NULL = 0x0002;
export const SMB2_SESSION_FLAG_ENCRYPT_DATA = 0x0004;

/** §2.2.10 TREE_CONNECT response. */
export const SMB2_SHARE_TYPE_DISK = 0x01;
export const SMB2_SHARE_TYPE_PIPE = 0x02;
export const SMB2_SHAREFLAG_MANUAL_CACHING = 0x00000000;
export const SMB2_SHAREFLAG_ENCRYPT_DATA = 0x00008000;

/** §2.2.13 CREATE. */
export const FILE_SUPERSEDE = 0;
export const FILE_OPEN = 1;
export const FILE_CREATE = 2;
export const FILE_OPEN_IF = 3;
export const FILE_OVERWRITE = 4;
export const FILE_OVERWRITE_IF = 5;

export const FILE_DIRECTORY_FILE = 0x00000001;
export const FILE_WRITE_THROUGH = 0x00000002;
export const FILE_NON_DIRECTORY_FILE = 0x00000040;
export const FILE_DELETE_ON_CLOSE = 0x00001000;
export const FILE_OPEN_REPARSE_POINT = 0x00200000;

/** §2.2.14 CreateAction. */
export const FILE_SUPERSEDED = 0;
export const FILE_OPENED = 1;
export const FILE_CREATED = 2;
export const FILE_OVERWRITTEN = 3;

/** §2.2.13.1 Access masks ([MS-DTYP] §2.4.3). */
export const FILE_READ_DATA = 0x00000001;
export const FILE_LIST_DIRECTORY = 0x00000001;
export const FILE_WRITE_DATA = 0x00000002;
export const FILE_ADD_FILE = 0x00000002;
export const FILE_APPEND_DATA = 0x00000004;
export const FILE_ADD_SUBDIRECTORY = 0x00000004;
export const FILE_READ_EA = 0x00000008;
export const FILE_WRITE_EA = 0x00000010;
export const FILE_EXECUTE = 0x00000020;
export const FILE_TRAVERSE = 0x00000020;
export const FILE_DELETE_CHILD = 0x00000040;
export const FILE_READ_ATTRIBUTES = 0x00000080;
export const FILE_WRITE_ATTRIBUTES = 0x00000100;
export const DELETE = 0x00010000;
export const READ_CONTROL = 0x00020000;
export const WRITE_DAC = 0x00040000;
export const WRITE_OWNER = 0x00080000;
export const SYNCHRONIZE = 0x00100000;
export const ACCESS_SYSTEM_SECURITY = 0x01000000;
export const MAXIMUM_ALLOWED = 0x02000000;
export const GENERIC_ALL = 0x10000000;
export const GENERIC_EXECUTE = 0x20000000;
export const GENERIC_WRITE = 0x40000000;
export const GENERIC_READ = 0x80000000;
/** [MS-DTYP] §2.4.3 FILE_ALL_ACCESS. */
export const FILE_ALL_ACCESS = 0x001f01ff;
export const FILE_GENERIC_READ = 0x00120089;
export const FILE_GENERIC_WRITE = 0x00120116;
export const FILE_GENERIC_EXECUTE = 0x001200a0;

/** §2.2.13 ShareAccess. */
export const FILE_SHARE_READ = 0x1;
export const FILE_SHARE_WRITE = 0x2;
export const FILE_SHARE_DELETE = 0x4;

/** [MS-FSCC] §2.6 File attributes. */
export const FILE_ATTRIBUTE_READONLY = 0x00000001;
export const FILE_ATTRIBUTE_HIDDEN = 0x00000002;
export const FILE_ATTRIBUTE_SYSTEM = 0x00000004;
export const FILE_ATTRIBUTE_DIRECTORY = 0x00000010;
export const FILE_ATTRIBUTE_ARCHIVE = 0x00000020;
export const FILE_ATTRIBUTE_NORMAL = 0x00000080;
export const FILE_ATTRIBUTE_TEMPORARY = 0x00000100;
/** Set and cleared only by FSCTL_SET_SPARSE ([MS-FSA] §2.1.5.10.35), never by CREATE or SET_INFO. */
export const FILE_ATTRIBUTE_SPARSE_FILE = 0x00000200;
/** The DOS bits a client may set; the rest are derived by the server. */
export const SETTABLE_DOS_ATTRIBUTES = 0x00000127;

/** §2.2.15 CLOSE Flags. */
export const SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB = 0x0001;

/** §2.2.21 WRITE Flags. */
export const SMB2_WRITEFLAG_WRITE_THROUGH = 0x00000001;

/** §2.2.26 LOCK element Flags. */
export const SMB2_LOCKFLAG_SHARED_LOCK = 0x00000001;
export const SMB2_LOCKFLAG_EXCLUSIVE_LOCK = 0x00000002;
export const SMB2_LOCKFLAG_UNLOCK = 0x00000004;
export const SMB2_LOCKFLAG_FAIL_IMMEDIATELY = 0x00000010;

/** §2.2.31 IOCTL CtlCode and Flags. */
export const FSCTL_DFS_GET_REFERRALS = 0x00060194;
export const FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401fc;
export const FSCTL_LMR_REQUEST_RESILIENCY = 0x001401d4;
export const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;
export const FSCTL_SRV_REQUEST_RESUME_KEY = 0x00140078;
export const FSCTL_SRV_COPYCHUNK = 0x001440f2;
export const FSCTL_SRV_COPYCHUNK_WRITE = 0x001480f2;
/** [MS-FSCC] §2.3.9 / §2.3.67: a file's compression format (USHORT). */
export const FSCTL_GET_COMPRESSION = 0x0009003c;
export const FSCTL_SET_COMPRESSION = 0x0009c040;
/** [MS-FSCC] §2.3.3: the file's object id, created on first ask. */
export const FSCTL_CREATE_OR_GET_OBJECT_ID = 0x000900c0;
/** [MS-FSCC] §2.3.64, §2.3.67, §2.3.51: sparse files (ioctl-sparse.ts). */
export const FSCTL_SET_SPARSE = 0x000900c4;
export const FSCTL_SET_ZERO_DATA = 0x000980c8;
export const FSCTL_QUERY_ALLOCATED_RANGES = 0x000940cf;
export const SMB2_0_IOCTL_IS_FSCTL = 0x00000001;

/** §2.2.33 QUERY_DIRECTORY Flags. */
export const SMB2_RESTART_SCANS = 0x01;
export const SMB2_RETURN_SINGLE_ENTRY = 0x02;
export const SMB2_INDEX_SPECIFIED = 0x04;
export const SMB2_REOPEN = 0x10;

/** §2.2.37 QUERY_INFO InfoType. */
export const SMB2_0_INFO_FILE = 0x01;
export const SMB2_0_INFO_FILESYSTEM = 0x02;
export const SMB2_0_INFO_SECURITY = 0x03;
export const SMB2_0_INFO_QUOTA = 0x04;

/** [MS-FSCC] §2.4 File information classes. */
export const FileDirectoryInformation = 1;
export const FileFullDirectoryInformation = 2;
export const FileBothDirectoryInformation = 3;
export const FileBasicInformation = 4;
export const FileStandardInformation = 5;
export const FileInternalInformation = 6;
export const FileEaInformation = 7;
export const FileAccessInformation = 8;
export const FileNameInformation = 9;
export const FileRenameInformation = 10;
export const FileLinkInformation = 11;
export const FileNamesInformation = 12;
export const FileDispositionInformation = 13;
export const FilePositionInformation = 14;
export const FileFullEaInformation = 15;
export const FileModeInformation = 16;
export const FileAlignmentInformation = 17;
export const FileAllInformation = 18;
export const FileAllocationInformation = 19;
export const FileEndOfFileInformation = 20;
export const FileAlternateNameInformation = 21;
export const FileStreamInformation = 22;
export const FileCompressionInformation = 28;
export const FileNetworkOpenInformation = 34;
export const FileAttributeTagInformation = 35;
export const FileIdBothDirectoryInformation = 37;
export const FileIdFullDirectoryInformation = 38;
export const FileValidDataLengthInformation = 39;
export const FileNormalizedNameInformation = 48;
export const FileDispositionInformationEx = 64;

/** [MS-FSCC] §2.5 File system information classes. */
export const FileFsVolumeInformation = 1;
export const FileFsSizeInformation = 3;
export const FileFsDeviceInformation = 4;
export const FileFsAttributeInformation = 5;
export const FileFsControlInformation = 6;
export const FileFsFullSizeInformation = 7;
export const FileFsObjectIdInformation = 8;
export const FileFsSectorSizeInformation = 11;

/** [MS-DTYP] §2.4.7 SECURITY_INFORMATION. */
export const OWNER_SECURITY_INFORMATION = 0x1;
export const GROUP_SECURITY_INFORMATION = 0x2;
export const DACL_SECURITY_INFORMATION = 0x4;
export const SACL_SECURITY_INFORMATION = 0x8;

/** The FileId value that refers to the previous CREATE in a related compound (§3.3.5.2.7.2). */
export const SMB2_RELATED_FILE_ID = 0xffffffffffffffffn;
