CREATE TABLE `nfs4_clients` (
	`daemon` text NOT NULL,
	`owner` text NOT NULL,
	`client_id` text NOT NULL,
	`verifier` text NOT NULL,
	`principal` text NOT NULL,
	`minor_version` integer NOT NULL,
	`confirmed` integer DEFAULT false NOT NULL,
	`reclaim_complete` integer DEFAULT false NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`daemon`, `owner`)
);
