CREATE TABLE "nfs4_clients" (
	"daemon" text NOT NULL,
	"owner" text NOT NULL,
	"client_id" text NOT NULL,
	"verifier" text NOT NULL,
	"principal" text NOT NULL,
	"minor_version" integer NOT NULL,
	"confirmed" boolean DEFAULT false NOT NULL,
	"reclaim_complete" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "nfs4_clients_daemon_owner_pk" PRIMARY KEY("daemon","owner")
);
